import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeEvents, type IncomingEvent } from '../../ingest/store';
import { orderGone, orderChangeItems } from '../../activities/order-changes';
import { vipStanding } from '../../activities/vip';
import { createPurchaseLifecycleActivities } from '../../activities/purchase-lifecycle';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/** order.cancelled / refunded / returned as projected into Postgres, and what reads them. */
describe('order changes in the store', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  const store = (events: IncomingEvent[]) => storeEvents(db.pool, events);
  const place = (customerId: string, orderId: string, total: number) =>
    store([
      {
        type: 'order.placed',
        customerId,
        properties: {
          orderId,
          total,
          currency: 'EUR',
          items: [
            { productId: 'tea', title: 'Sencha', price: total / 2, quantity: 1 },
            { productId: 'pot', title: 'Kyusu', price: total / 2, quantity: 1 },
          ],
        },
      },
    ]);

  test('VIP standing counts net revenue: refunds come off, a cancelled or fully refunded order counts nothing', async () => {
    await place('c-vip', 'v-1', 400);
    await place('c-vip', 'v-2', 400);
    await place('c-vip', 'v-3', 400);
    assert.deepEqual([(await vipStanding(db.pool, { customerId: 'c-vip' })).orderCount, (await vipStanding(db.pool, { customerId: 'c-vip' })).lifetimeRevenue], [3, 1200]);
    await store([
      { id: 'r-1', type: 'order.refunded', customerId: 'c-vip', properties: { orderId: 'v-1', amount: 150, currency: 'EUR', items: [{ productId: 'tea', quantity: 1 }] } },
      { id: 'r-2', type: 'order.refunded', customerId: 'c-vip', properties: { orderId: 'v-2', amount: 400, currency: 'EUR' } },
      { id: 'x-3', type: 'order.cancelled', customerId: 'c-vip', properties: { orderId: 'v-3' } },
    ]);
    // A repeated event id changes nothing.
    await store([{ id: 'r-1', type: 'order.refunded', customerId: 'c-vip', properties: { orderId: 'v-1', amount: 150, currency: 'EUR' } }]);
    const standing = await vipStanding(db.pool, { customerId: 'c-vip' });
    assert.equal(standing.lifetimeRevenue, 250);
    assert.equal(standing.orderCount, 1);
  });

  test('what is gone from an order: whole when cancelled, returned or fully refunded; else the products named', async () => {
    await place('c-gone', 'g-1', 100);
    assert.deepEqual(await orderGone(db.pool, 'g-1'), { whole: false, productIds: [] });
    await store([{ type: 'order.returned', customerId: 'c-gone', properties: { orderId: 'g-1', items: [{ productId: 'pot', quantity: 1 }] } }]);
    assert.deepEqual(await orderGone(db.pool, 'g-1'), { whole: false, productIds: ['pot'] });
    await store([{ type: 'order.refunded', customerId: 'c-gone', properties: { orderId: 'g-1', amount: 20, currency: 'EUR' } }]);
    assert.equal((await orderGone(db.pool, 'g-1')).whole, false, 'a partial refund without items leaves the order');
    await store([{ type: 'order.refunded', customerId: 'c-gone', properties: { orderId: 'g-1', amount: 80, currency: 'EUR' } }]);
    assert.equal((await orderGone(db.pool, 'g-1')).whole, true, 'refunds adding up to the total');

    await place('c-gone', 'g-2', 100);
    await store([{ type: 'order.returned', customerId: 'c-gone', properties: { orderId: 'g-2' } }]);
    assert.equal((await orderGone(db.pool, 'g-2')).whole, true);
  });

  test('the review request leaves out returned products, and asks about nothing for a cancelled order', async () => {
    const acts = createPurchaseLifecycleActivities({ db: db.pool, now: () => new Date(), shopUrl: 'https://shop.test/' });
    await place('c-review', 'rv-1', 50);
    await store([{ type: 'order.returned', customerId: 'c-review', properties: { orderId: 'rv-1', items: [{ productId: 'pot', quantity: 1 }] } }]);
    assert.deepEqual((await acts.itemsToReview({ orderId: 'rv-1' })).map((i) => i.productId), ['tea']);
    await place('c-review', 'rv-2', 50);
    await store([{ type: 'order.cancelled', customerId: 'c-review', properties: { orderId: 'rv-2' } }]);
    assert.deepEqual(await acts.itemsToReview({ orderId: 'rv-2' }), []);
    assert.deepEqual(await acts.crossSellProducts({ customerId: 'c-review', orderId: 'rv-2', limit: 3 }), []);
  });

  test('a notice names the changed products by the titles the order listed', async () => {
    await place('c-titles', 't-1', 10);
    assert.deepEqual(await orderChangeItems(db.pool, { orderId: 't-1', items: [{ productId: 'pot', quantity: 1 }] }), [{ title: 'Kyusu', quantity: 1 }]);
  });
});
