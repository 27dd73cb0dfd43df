import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeEvents, type IncomingEvent } from '../../ingest/store';
import { customerCreated } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * A view reaches browse abandonment only for a known customer who agreed to marketing. Most
 * views are of visitors the shop has not told us about: they must not queue in the dispatch
 * line (the relay would claim each one, look the customer up and drop it), but be stored as
 * dispatched at once, like any event that reaches no journey.
 */
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

const viewed = (id: string, customerId: string): IncomingEvent => ({ id, type: 'product.viewed', customerId, properties: { productId: 'tea' } });

async function queued(ids: string[]): Promise<string[]> {
  const { rows } = await database.pool.query<{ id: string }>('SELECT id FROM events WHERE id = ANY($1) AND dispatched_at IS NULL ORDER BY id', [ids]);
  return rows.map((r) => r.id);
}

test("a stranger's view is stored as dispatched; a consenting customer's view queues for browse abandonment", async () => {
  await storeEvents(database.pool, [customerCreated('known-created', 'known')]);
  await storeEvents(database.pool, [{ id: 'no-consent-created', type: 'customer.created', customerId: 'no-consent', properties: { email: 'n@example.com', marketingConsent: false } }]);
  await storeEvents(database.pool, [viewed('v-stranger', 'stranger'), viewed('v-known', 'known'), viewed('v-no-consent', 'no-consent')]);
  await storeEvents(database.pool, [viewed('v-stranger-alone', 'stranger-2')]);
  const { rows } = await database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE id IN ('v-stranger', 'v-known', 'v-no-consent', 'v-stranger-alone')`,
  );
  assert.equal(rows[0].n, 4, 'every view is stored');
  assert.deepEqual(await queued(['v-stranger', 'v-known', 'v-no-consent', 'v-stranger-alone']), ['v-known']);
});

test('a view in the batch that creates its customer queues (the profile is projected after the enqueue)', async () => {
  await storeEvents(database.pool, [customerCreated('same-batch-created', 'same-batch'), viewed('v-same-batch', 'same-batch')]);
  assert.deepEqual(await queued(['same-batch-created', 'v-same-batch']), ['same-batch-created', 'v-same-batch']);
});
