import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SUBSCRIBERS_PER_CLAIM,
  claimBackInStockBatch,
  requeueBackInStockSubscribers,
  settleBackInStockSubscription,
} from '../../activities/back-in-stock';
import { findProducts } from '../../activities/catalog';
import { storeEvents } from '../../ingest/store';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const T0 = Date.parse('2026-04-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const DAY_MINUTES = 24 * 60;

describe('back-in-stock subscriptions in Postgres', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  const request = (customerId: string, productId: string, minutes: number, id = `req-${customerId}-${productId}-${minutes}`) =>
    storeEvents(database.pool, [
      { id, type: 'back_in_stock.requested', customerId, occurredAt: at(minutes), properties: { productId } },
    ]);
  const product = (id: string, stock: number) =>
    database.pool.query(
      `INSERT INTO products (id, title, price, url, stock) VALUES ($1, 'Kyusu', 64, 'https://shop.example.com/p/' || $1, $2)
       ON CONFLICT (id) DO UPDATE SET stock = $2`,
      [id, stock],
    );
  const subscription = async (customerId: string, productId: string) =>
    (
      await database.pool.query(
        'SELECT status, requested_at FROM back_in_stock_subscriptions WHERE customer_id = $1 AND product_id = $2',
        [customerId, productId],
      )
    ).rows[0];

  test('a request subscribes; repeating it keeps the queue position; after an alert it subscribes anew', async () => {
    await request('c-1', 'p-1', 0);
    assert.equal((await subscription('c-1', 'p-1')).status, 'waiting');
    await request('c-1', 'p-1', 30);
    assert.equal((await subscription('c-1', 'p-1')).requested_at.toISOString(), at(0), 'still first in line');

    await settleBackInStockSubscription(database.pool, { customerId: 'c-1', productId: 'p-1', requestedAt: at(0), status: 'notified' });
    assert.equal((await subscription('c-1', 'p-1')).status, 'notified');
    await request('c-1', 'p-1', 90);
    const renewed = await subscription('c-1', 'p-1');
    assert.equal(renewed.status, 'waiting');
    assert.equal(renewed.requested_at.toISOString(), at(90));

    // The old request's journey finishing late does not touch the new subscription.
    await settleBackInStockSubscription(database.pool, { customerId: 'c-1', productId: 'p-1', requestedAt: at(0), status: 'expired' });
    assert.equal((await subscription('c-1', 'p-1')).status, 'waiting');
  });

  test('batches take subscribersPerUnit × stock of the oldest waiting subscriptions, never the same twice', async () => {
    for (let i = 0; i < 10; i++) await request(`w-${i}`, 'p-batch', i);
    await product('p-batch', 1);
    const now = new Date(T0 + DAY_MINUTES * 60_000);
    const first = await claimBackInStockBatch(database.pool, { productId: 'p-batch', subscribersPerUnit: 3, validFor: '90 days' }, now);
    assert.equal(first.stock, 1);
    assert.deepEqual(first.subscribers.map((s) => s.customerId), ['w-0', 'w-1', 'w-2']);
    assert.equal(first.subscribers[0].requestedAt, at(0));

    await product('p-batch', 2);
    const second = await claimBackInStockBatch(database.pool, { productId: 'p-batch', subscribersPerUnit: 3, validFor: '90 days' }, now);
    assert.deepEqual(second.subscribers.map((s) => s.customerId), ['w-3', 'w-4', 'w-5', 'w-6', 'w-7', 'w-8']);

    await product('p-batch', 0);
    const soldOut = await claimBackInStockBatch(database.pool, { productId: 'p-batch', subscribersPerUnit: 3, validFor: '90 days' }, now);
    assert.deepEqual(soldOut, { stock: 0, subscribers: [] });
    assert.equal((await subscription('w-9', 'p-batch')).status, 'waiting');
  });

  test('a subscriber put back in the queue comes first in the next batch; expired requests are never taken', async () => {
    await request('old', 'p-q', -100 * DAY_MINUTES);
    await request('a', 'p-q', 0);
    await request('b', 'p-q', 10);
    await product('p-q', 1);
    const now = new Date(T0 + 60_000 * 60);
    const first = await claimBackInStockBatch(database.pool, { productId: 'p-q', subscribersPerUnit: 1, validFor: '90 days' }, now);
    assert.deepEqual(first.subscribers.map((s) => s.customerId), ['a'], '"old" asked more than 90 days ago');
    await settleBackInStockSubscription(database.pool, { customerId: 'a', productId: 'p-q', requestedAt: at(0), status: 'waiting' });
    const next = await claimBackInStockBatch(database.pool, { productId: 'p-q', subscribersPerUnit: 1, validFor: '90 days' }, now);
    assert.deepEqual(next.subscribers.map((s) => s.customerId), ['a']);
  });

  test('concurrent batches for one product never pick the same subscriber', async () => {
    for (let i = 0; i < 30; i++) await request(`cc-${i}`, 'p-cc', i);
    await product('p-cc', 2);
    const now = new Date(T0 + 60_000 * 60);
    const batches = await Promise.all(
      Array.from({ length: 5 }, () =>
        claimBackInStockBatch(database.pool, { productId: 'p-cc', subscribersPerUnit: 3, validFor: '90 days' }, now),
      ),
    );
    const picked = batches.flatMap((b) => b.subscribers.map((s) => s.customerId));
    assert.ok(picked.length >= 6 && picked.length <= 30);
    assert.equal(new Set(picked).size, picked.length, 'nobody in two batches');
  });

  test('a claim repeated with the same claim id (a lost activity result) returns the same subscribers and takes nobody else', async () => {
    for (let i = 0; i < 6; i++) await request(`id-${i}`, 'p-idem', i);
    await product('p-idem', 1);
    const now = new Date(T0 + 60_000 * 60);
    const claim = { productId: 'p-idem', subscribersPerUnit: 3, validFor: '90 days' as const, claimId: 'restock/p-idem/run-1/1/0' };
    const first = await claimBackInStockBatch(database.pool, claim, now);
    const again = await claimBackInStockBatch(database.pool, claim, now);
    assert.deepEqual(again.subscribers, first.subscribers);
    assert.equal((await subscription('id-3', 'p-idem')).status, 'waiting', 'the retry took nobody new');
    const next = await claimBackInStockBatch(database.pool, { ...claim, claimId: 'restock/p-idem/run-1/2/0' }, now);
    assert.deepEqual(next.subscribers.map((s) => s.customerId), ['id-3', 'id-4', 'id-5']);
  });

  test('one claim takes a bounded number of subscribers, however much stock and however many wait', async () => {
    const values = Array.from({ length: 2500 }, (_, i) => `('big-${i}', 'p-big', '${at(i)}')`).join(',');
    await database.pool.query(`INSERT INTO back_in_stock_subscriptions (customer_id, product_id, requested_at) VALUES ${values}`);
    await product('p-big', 700);
    const now = new Date(T0 + 5 * DAY_MINUTES * 60_000);
    const batch = await claimBackInStockBatch(database.pool, { productId: 'p-big', subscribersPerUnit: 3, validFor: '90 days', claimId: 'big/1' }, now);
    assert.equal(batch.stock, 700);
    assert.ok(batch.subscribers.length <= MAX_SUBSCRIBERS_PER_CLAIM, `${batch.subscribers.length} in one claim`);
    assert.ok(MAX_SUBSCRIBERS_PER_CLAIM <= 500);
  });

  test("a 'notifying' subscription nobody settled returns to the queue after the timeout", async () => {
    await request('stuck', 'p-stuck', 0);
    await product('p-stuck', 1);
    const claimedAt = new Date(T0 + 60_000 * 60);
    const first = await claimBackInStockBatch(database.pool, { productId: 'p-stuck', subscribersPerUnit: 1, validFor: '90 days', claimId: 's/1' }, claimedAt);
    assert.deepEqual(first.subscribers.map((s) => s.customerId), ['stuck']);
    const soon = await claimBackInStockBatch(database.pool, { productId: 'p-stuck', subscribersPerUnit: 1, validFor: '90 days', claimId: 's/2' }, new Date(claimedAt.getTime() + 60_000));
    assert.deepEqual(soon.subscribers, [], 'still being notified');
    const later = await claimBackInStockBatch(database.pool, { productId: 'p-stuck', subscribersPerUnit: 1, validFor: '90 days', claimId: 's/3' }, new Date(claimedAt.getTime() + 2 * DAY_MINUTES * 60_000));
    assert.deepEqual(later.subscribers.map((s) => s.customerId), ['stuck']);
  });

  test('a subscriber whose journey had not started yet goes back to the queue, waiting, and is retried after a pause', async () => {
    await request('early', 'p-early', 0);
    await product('p-early', 1);
    const now = new Date(T0 + 60_000 * 60);
    const claim = { productId: 'p-early', subscribersPerUnit: 1, validFor: '90 days' as const };
    const first = await claimBackInStockBatch(database.pool, { ...claim, claimId: 'e/1' }, now);
    await requeueBackInStockSubscribers(database.pool, { productId: 'p-early', subscribers: first.subscribers, retryAfter: '1 hour' }, now);
    assert.equal((await subscription('early', 'p-early')).status, 'waiting');
    assert.deepEqual((await claimBackInStockBatch(database.pool, { ...claim, claimId: 'e/2' }, now)).subscribers, []);
    const retried = await claimBackInStockBatch(database.pool, { ...claim, claimId: 'e/3' }, new Date(now.getTime() + 2 * 3_600_000));
    assert.deepEqual(retried.subscribers.map((s) => s.customerId), ['early']);
  });

  test('findProducts returns catalogue entries in the order asked, skipping unknown ids', async () => {
    await product('p-x', 4);
    await product('p-y', 0);
    const found = await findProducts(database.pool, ['p-y', 'nope', 'p-x']);
    assert.deepEqual(found.map((p) => [p.productId, p.stock, p.price, p.currency]), [
      ['p-y', 0, 64, 'EUR'],
      ['p-x', 4, 64, 'EUR'],
    ]);
  });
});
