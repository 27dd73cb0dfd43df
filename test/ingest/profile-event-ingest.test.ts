import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool, PoolClient } from 'pg';
import { createPool } from '../../db/pool';
import { storeEvents, type IncomingEvent } from '../../ingest/store';
import { unsubscribe } from '../../api/routes/unsubscribe';
import { cartUpdated } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * A single sign-up or profile update is stored in two round trips (BEGIN + enqueue + the
 * profile's read, then the writes + COMMIT), with literals in place of parameters. It must
 * store exactly what the general path (any other batch) stores.
 */
describe('one profile event: two round trips, the same profile', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  function countingPool(): { pool: Pool; roundTrips: () => number } {
    const pool = createPool(database.url, 2);
    let count = 0;
    pool.on('connect', (client: PoolClient) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        count++;
        return query(...args);
      };
    });
    return { pool, roundTrips: () => count };
  }

  const profile = async (id: string) =>
    (
      await database.pool.query(
        `SELECT email, first_name, timezone, locale, birthday, marketing_consent, shop_consent, shop_consent_at, consent_source, consent_at,
                unsubscribed_at, unengaged_at, attributes, profile_at, erased_at FROM customers WHERE id = $1`,
        [id],
      )
    ).rows[0];

  /** Profile events as a shop may send them, awkward values included, each applied over the previous. */
  const history = (customerId: string, tag: string): IncomingEvent[] => [
    {
      id: `${tag}-1`,
      type: 'customer.created',
      customerId,
      occurredAt: '2026-01-10T09:00:00Z',
      properties: { email: `O'Brien.$1+${tag}@Example.com`, firstName: "Zoë 'Z' $2 \\ $&", marketingConsent: true, timezone: 'Europe/Berlin', birthday: '1990-02-03', attributes: { tier: 'gold', "quote'd": 'a"b', n: 3, vip: true } },
    } as IncomingEvent,
    // older than the sign-up: ignored field by field
    { id: `${tag}-2`, type: 'customer.updated', customerId, occurredAt: '2026-01-09T09:00:00Z', properties: { firstName: 'Old', attributes: { tier: 'bronze' } } } as IncomingEvent,
    { id: `${tag}-3`, type: 'customer.updated', customerId, occurredAt: '2026-01-11T09:00:00Z', properties: { locale: 'de', attributes: { n: null, city: 'Köln' } } } as IncomingEvent,
    { id: `${tag}-4`, type: 'customer.updated', customerId, occurredAt: '2026-01-14T09:00:00Z', properties: { marketingConsent: false } } as IncomingEvent,
    { id: `${tag}-5`, type: 'customer.updated', customerId, occurredAt: '2026-01-15T09:00:00Z', properties: { marketingConsent: true } } as IncomingEvent,
  ];

  test('one event at a time stores what a batch stores, quotes and dollars included', async () => {
    const { pool, roundTrips } = countingPool();
    try {
      const single = history('pe-single', 'pe-s');
      const batched = history('pe-batch', 'pe-b');
      for (const [i, event] of single.entries()) {
        // the same unsubscribe through our link before the re-subscribe in both
        if (i === 4) {
          await unsubscribe(database.pool, 'pe-single', 'unsubscribe-link', new Date('2026-01-14T12:00:00Z'));
          await unsubscribe(database.pool, 'pe-batch', 'unsubscribe-link', new Date('2026-01-14T12:00:00Z'));
        }
        const before = roundTrips();
        assert.deepEqual(await storeEvents(pool, [event]), [{ id: event.id, duplicate: false }]);
        assert.equal(roundTrips() - before, 2, `event ${event.id}: BEGIN + enqueue + read, then writes + COMMIT`);
        // With another customer's cart in the batch: the general path.
        await storeEvents(database.pool, [batched[i], cartUpdated(`pe-cart-${i}`, 'pe-other')]);
        const { profile_at: singleVersions, consent_source: singleSource, email: singleEmail, ...s } = await profile('pe-single');
        const { profile_at: batchVersions, consent_source: batchSource, email: batchEmail, ...b } = await profile('pe-batch');
        assert.deepEqual(s, b, `after ${event.id}`);
        assert.equal(singleEmail.replace('pe-s', 'pe-b'), batchEmail);
        assert.deepEqual(singleVersions, batchVersions);
        assert.equal(singleSource?.replace('pe-s', 'pe-b'), batchSource);
      }
      const final = await profile('pe-single');
      assert.equal(final.email, `o'brien.$1+pe-s@example.com`);
      assert.equal(final.first_name, "Zoë 'Z' $2 \\ $&");
      assert.deepEqual(final.attributes, { tier: 'gold', "quote'd": 'a"b', vip: true, city: 'Köln' });
      assert.equal(final.locale, 'de');
      assert.equal(final.marketing_consent, true, 'a change of the shop value to true after the unsubscribe re-subscribes');

      // A repeated id: two round trips, nothing applied again.
      const before = roundTrips();
      assert.deepEqual(await storeEvents(pool, [{ ...single[1], properties: { firstName: 'Again' } } as IncomingEvent]), [{ id: single[1].id, duplicate: true }]);
      assert.equal(roundTrips() - before, 2);
      assert.equal((await profile('pe-single')).first_name, "Zoë 'Z' $2 \\ $&");
      const { rows } = await database.pool.query(`SELECT id, head_of_line, dispatched_at IS NULL AS waiting FROM events WHERE customer_id = 'pe-single' ORDER BY seq`);
      assert.deepEqual(rows.map((r) => r.id), single.map((e) => e.id), 'every event queued, in order');
      assert.deepEqual(rows.map((r) => r.head_of_line), [true, false, false, false, false]);
    } finally {
      await pool.end();
    }
  });

  test('a profile the store refuses rolls the event back too', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]));
    await assert.rejects(storeEvents(database.pool, [{ id: 'pe-bad', type: 'customer.created', customerId: 'pe-bad', properties: { email: 'bad@example.com', attributes } } as IncomingEvent]), /attributes/);
    const { rows } = await database.pool.query(`SELECT (SELECT count(*)::int FROM events WHERE id = 'pe-bad') AS events, (SELECT count(*)::int FROM customers WHERE id = 'pe-bad') AS customers`);
    assert.deepEqual(rows[0], { events: 0, customers: 0 });
  });
});
