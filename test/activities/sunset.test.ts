import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPurchaseLifecycleActivities } from '../../activities/purchase-lifecycle';
import { createSunsetActivities, lapsedEvent } from '../../activities/sunset';
import { lastEngagedAtSql } from '../../activities/engagement';
import { defaultJourneysConfig, JourneysConfigSchema } from '../../config/journeys';
import { recordEngagement } from '../../ingest/engagement';
import { defaultMachineSettings } from '../../ingest/machine-engagement';
import { enqueueEvents, storeEvents } from '../../ingest/store';
import { resubscribe } from '../../api/routes/unsubscribe';
import { setJourneyPaused } from '../../activities/journey-controls';
import { withTransaction } from '../../db/transaction';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const DAY = 86_400_000;
const PSEUDONYM_SECRET = 'sunset-test-pseudonym-secret';
const passAt = '2026-09-01T00:00:00.000Z';
const daysBefore = (n: number) => new Date(Date.parse(passAt) - n * DAY).toISOString();

/** The sunset's reads against a real, migrated Postgres: who is lapsed, and what brings them back. */
describe('sunset activities', () => {
  let db: TestDatabase;
  let sunset: ReturnType<typeof createSunsetActivities>;
  let winBack: ReturnType<typeof createPurchaseLifecycleActivities>;

  before(async () => {
    db = await createTestDatabase();
    sunset = createSunsetActivities({ db: db.pool, config: defaultJourneysConfig, now: () => new Date(passAt), enqueueEvents, pseudonymSecret: PSEUDONYM_SECRET });
    winBack = createPurchaseLifecycleActivities({ db: db.pool, now: () => new Date(passAt), shopUrl: 'https://shop.test/' });
  });
  after(async () => {
    await db?.drop();
  });

  /** A consenting customer whose consent (and profile) dates from `consentDaysAgo`. */
  async function customer(id: string, consentDaysAgo = 400) {
    await storeEvents(db.pool, [
      { type: 'customer.created', customerId: id, occurredAt: daysBefore(consentDaysAgo), properties: { email: `${id}@example.com`, marketingConsent: true } },
    ]);
  }

  let keys = 0;
  async function message(customerId: string, fields: { sentDaysAgo: number; journey?: string; category?: string; opened?: number; clicked?: number; machineOpened?: number }) {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, sent_at, opened_at, clicked_at, machine_opened_at)
       VALUES ($1, $2, $3, 'step', $4, 'welcome', $5, 'sent', $6, $7, $8, $9) RETURNING id`,
      [
        `key-${++keys}`,
        `${fields.journey ?? 'welcome'}/${customerId}`,
        fields.journey ?? 'welcome',
        customerId,
        fields.category ?? 'marketing',
        daysBefore(fields.sentDaysAgo),
        fields.opened === undefined ? null : daysBefore(fields.opened),
        fields.clicked === undefined ? null : daysBefore(fields.clicked),
        fields.machineOpened === undefined ? null : daysBefore(fields.machineOpened),
      ],
    );
    return Number(rows[0].id);
  }

  const order = (customerId: string, daysAgo: number) =>
    storeEvents(db.pool, [
      {
        type: 'order.placed',
        customerId,
        occurredAt: daysBefore(daysAgo),
        properties: { orderId: `o-${customerId}-${daysAgo}`, total: 20, currency: 'EUR', items: [{ productId: 'tea', title: 'Tea', price: 20, quantity: 1 }] },
      },
    ]);

  /** Run a whole pass at `passAt` (batches of `size`); the customers handed over, in order. */
  async function pass(size = 500, config = defaultJourneysConfig) {
    const acts = createSunsetActivities({ db: db.pool, config: { ...config, sunset: { ...config.sunset, sweepBatchSize: size } }, now: () => new Date(passAt), enqueueEvents, pseudonymSecret: PSEUDONYM_SECRET });
    const cursors: (string | null)[] = [];
    let after: string | null = null;
    for (;;) {
      cursors.push(after);
      const batch = await acts.sweepLapsedRecipients({ after, passAt });
      if (batch.next === null) break;
      after = batch.next;
    }
    return cursors;
  }
  const handedOver = async () =>
    (await db.pool.query<{ customer_id: string; n: number }>(`SELECT customer_id, count(*)::int AS n FROM events WHERE type = 'customer.lapsed' GROUP BY customer_id ORDER BY customer_id`)).rows;

  test('win-back and the sunset read one definition of "engaged": human opens and clicks, orders, re-subscribes', async () => {
    // Each customer got marketing 300 days ago; their only sign of life is the one named.
    const signs: Record<string, () => Promise<unknown>> = {
      'e-nothing': async () => undefined,
      'e-machine-open': () => message('e-machine-open', { sentDaysAgo: 100, machineOpened: 99 }),
      'e-old-open': () => message('e-old-open', { sentDaysAgo: 200, opened: 199 }),
      'e-open': () => message('e-open', { sentDaysAgo: 100, opened: 30 }),
      'e-click': () => message('e-click', { sentDaysAgo: 100, clicked: 20 }),
      'e-transactional-click': () => message('e-transactional-click', { sentDaysAgo: 60, category: 'transactional', clicked: 59 }),
      'e-order': () => order('e-order', 10),
      'e-resubscribe': () => resubscribe(db.pool, 'e-resubscribe', 'test', new Date(daysBefore(5))),
    };
    for (const [id, sign] of Object.entries(signs)) {
      await customer(id);
      await message(id, { sentDaysAgo: 300 });
      await sign();
    }
    await pass();
    const lapsed = new Set((await handedOver()).map((r) => r.customer_id));
    const since = daysBefore(120);
    for (const id of Object.keys(signs)) {
      const engagedForWinBack = (await winBack.customerEngagement({ customerId: id, since })).engagedAt !== null;
      assert.equal(!lapsed.has(id), engagedForWinBack, `${id}: the sweep and win-back agree`);
      // The bulk read and the per-customer read are the same signs.
      const { rows } = await db.pool.query<{ at: Date | null }>(`SELECT ${lastEngagedAtSql('$1')} AS at`, [id]);
      const latest = (await winBack.customerEngagement({ customerId: id, since: '1970-01-01T00:00:00Z' })).engagedAt;
      assert.equal(rows[0].at?.toISOString() ?? null, latest, `${id}: latest sign of life`);
    }
    assert.deepEqual([...lapsed].sort(), ['e-machine-open', 'e-nothing', 'e-old-open'], 'machine opens and old opens are no engagement');
  });

  test('the sweep leaves out whoever may not be mailed, new subscribers, the never-mailed and win-back\'s own sunset', async () => {
    const ids = ['x-unsubscribed', 'x-no-consent', 'x-unengaged', 'x-suppressed', 'x-address-unsubscribed', 'x-in-win-back', 'x-new', 'x-never-mailed', 'x-fresh-consent'];
    for (const id of ids) await customer(id, id === 'x-new' ? 60 : id === 'x-fresh-consent' ? 400 : 400);
    for (const id of ids.filter((i) => i !== 'x-never-mailed' && i !== 'x-new')) await message(id, { sentDaysAgo: 300 });
    await message('x-new', { sentDaysAgo: 50 });
    await db.pool.query(`UPDATE customers SET unsubscribed_at = now(), marketing_consent = false WHERE id = 'x-unsubscribed'`);
    await db.pool.query(`UPDATE customers SET marketing_consent = false WHERE id = 'x-no-consent'`);
    await db.pool.query(`UPDATE customers SET unengaged_at = now() WHERE id = 'x-unengaged'`);
    await db.pool.query(`INSERT INTO suppressions (email, reason, source) VALUES ('x-suppressed@example.com', 'hard_bounce', 'test')`);
    await db.pool.query(`INSERT INTO address_unsubscribes (email, unsubscribed_at, source) VALUES ('x-address-unsubscribed@example.com', now(), 'test')`);
    await message('x-in-win-back', { sentDaysAgo: 20, journey: 'win-back' });
    // Consent given again 30 days ago (the shop's false, then true): the clock starts there.
    await storeEvents(db.pool, [{ type: 'customer.updated', customerId: 'x-fresh-consent', occurredAt: daysBefore(31), properties: { marketingConsent: false } }]);
    await storeEvents(db.pool, [{ type: 'customer.updated', customerId: 'x-fresh-consent', occurredAt: daysBefore(30), properties: { marketingConsent: true } }]);
    await pass();
    const lapsed = (await handedOver()).map((r) => r.customer_id).filter((id) => id.startsWith('x-'));
    assert.deepEqual(lapsed, []);
    assert.deepEqual(await sunset.stillLapsed({ customerId: 'x-in-win-back', lapsedSince: daysBefore(300) }), { lapsed: false, reason: 'in_win_back' });
    assert.deepEqual(await sunset.stillLapsed({ customerId: 'x-unengaged', lapsedSince: daysBefore(300) }), { lapsed: false, reason: 'not_a_recipient' });
  });

  test('walks the customers in bounded batches and hands each lapse over once, however many passes', async () => {
    const ids = ['b-1', 'b-2', 'b-3', 'b-4', 'b-5'];
    for (const id of ids) {
      await customer(id);
      await message(id, { sentDaysAgo: 200 });
    }
    const before = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers')).rows[0].n;
    const cursors = await pass(2);
    assert.equal(cursors.length, Math.floor(before / 2) + 1, 'one batch per two customers, and the last partial one');
    await pass(3);
    const rows = (await handedOver()).filter((r) => r.customer_id.startsWith('b-'));
    assert.deepEqual(rows, ids.map((id) => ({ customer_id: id, n: 1 })));
    const event = await db.pool.query(`SELECT id, properties, dispatched_at FROM events WHERE type = 'customer.lapsed' AND customer_id = 'b-1'`);
    const lapsedSince = new Date(daysBefore(200)).toISOString();
    assert.equal(event.rows[0].id, lapsedEvent(PSEUDONYM_SECRET, 'b-1', lapsedSince, passAt).id, 'named by customer and lapse');
    assert.doesNotMatch(event.rows[0].id, /b-1/, 'without the customer id, which outlives no erasure');
    assert.notEqual(lapsedEvent('another-secret-entirely', 'b-1', lapsedSince, passAt).id, event.rows[0].id, 'keyed: nobody recomputes it from a guessed id');
    assert.deepEqual(event.rows[0].properties, { lapsedSince });
    assert.equal(event.rows[0].dispatched_at, null, 'queued for the relay');
    assert.deepEqual(await sunset.stillLapsed({ customerId: 'b-1', lapsedSince }), { lapsed: true });
    // An order since: no longer in that lapse.
    await order('b-2', 1);
    assert.deepEqual(await sunset.stillLapsed({ customerId: 'b-2', lapsedSince }), { lapsed: false, reason: 'engaged' });
  });

  test('a lapse found by the sweep is the same lapse when its journey starts, to the microsecond', async () => {
    await customer('m-1');
    await message('m-1', { sentDaysAgo: 300 });
    await db.pool.query(`UPDATE messages SET opened_at = $2::timestamptz + interval '0.123456 seconds' WHERE customer_id = $1`, ['m-1', daysBefore(200)]);
    await pass();
    const { rows } = await db.pool.query<{ properties: { lapsedSince: string } }>(`SELECT properties FROM events WHERE type = 'customer.lapsed' AND customer_id = 'm-1'`);
    const { lapsedSince } = rows[0].properties;
    assert.equal(lapsedSince, new Date(Date.parse(daysBefore(200)) + 123).toISOString());
    assert.deepEqual(await sunset.stillLapsed({ customerId: 'm-1', lapsedSince }), { lapsed: true });
  });

  test('a paused sunset journey makes the pass do nothing', async () => {
    await customer('p-1');
    await message('p-1', { sentDaysAgo: 200 });
    await setJourneyPaused(db.pool, defaultJourneysConfig, 'sunset', true);
    const batch = await sunset.sweepLapsedRecipients({ after: null, passAt });
    assert.deepEqual({ paused: batch.paused, handedOver: batch.handedOver, next: batch.next }, { paused: true, handedOver: 0, next: null });
    await setJourneyPaused(db.pool, defaultJourneysConfig, 'sunset', false);
    const disabled = JourneysConfigSchema.parse({ sunset: { enabled: false } });
    await db.pool.query(`DELETE FROM journey_controls WHERE journey = 'sunset'`);
    assert.equal((await createSunsetActivities({ db: db.pool, config: disabled, now: () => new Date(passAt), enqueueEvents, pseudonymSecret: PSEUDONYM_SECRET }).sweepLapsedRecipients({ after: null, passAt })).paused, true);
  });

  describe('what brings an unengaged customer back', () => {
    const unengaged = async (id: string) => {
      await customer(id);
      await db.pool.query('UPDATE customers SET unengaged_at = now() WHERE id = $1', [id]);
    };
    const mark = async (id: string) => (await db.pool.query('SELECT unengaged_at FROM customers WHERE id = $1', [id])).rows[0].unengaged_at;
    const hit = (messageId: number, kind: 'open' | 'click', extra: object = {}) =>
      withTransaction(db.pool, (tx) =>
        recordEngagement(tx, { message: { id: messageId }, kind, at: new Date(), source: 'redirect', userAgent: 'Mozilla/5.0 (Macintosh) Firefox/130.0', ...extra }, defaultMachineSettings),
      );

    test('a human click does; an open or a scanner\'s click does not', async () => {
      await unengaged('u-click');
      const id = await message('u-click', { sentDaysAgo: 3, category: 'transactional' });
      await hit(id, 'open', { source: 'pixel' });
      assert.notEqual(await mark('u-click'), null, 'an open is not enough');
      await hit(id, 'click', { userAgent: 'python-requests/2.31' });
      assert.notEqual(await mark('u-click'), null, "a scanner's click is not the customer's");
      await hit(id, 'click');
      assert.equal(await mark('u-click'), null);
    });

    test('the "keep me" button does, even from an agent that looks like a scanner (a confirmed POST)', async () => {
      await unengaged('u-keep');
      const id = await message('u-keep', { sentDaysAgo: 20 });
      await hit(id, 'click', { source: 'keep-link', link: 'keep', confirmed: true, userAgent: 'python-requests/2.31' });
      assert.equal(await mark('u-keep'), null);
    });

    test('a re-subscribe through our link does, and so does the shop\'s change of consent to true', async () => {
      await unengaged('u-resub');
      await resubscribe(db.pool, 'u-resub', 'test');
      assert.equal(await mark('u-resub'), null);

      await unengaged('u-shop');
      await db.pool.query(`UPDATE customers SET unsubscribed_at = $2, marketing_consent = false WHERE id = $1`, ['u-shop', daysBefore(10)]);
      await storeEvents(db.pool, [{ type: 'customer.updated', customerId: 'u-shop', occurredAt: daysBefore(9), properties: { marketingConsent: false } }]);
      await storeEvents(db.pool, [{ type: 'customer.updated', customerId: 'u-shop', occurredAt: daysBefore(8), properties: { marketingConsent: true } }]);
      assert.equal(await mark('u-shop'), null);
    });

    test('an order does', async () => {
      await unengaged('u-order');
      await order('u-order', 0);
      assert.equal(await mark('u-order'), null);
    });
  });
});
