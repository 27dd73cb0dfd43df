import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultJourneysConfig } from '../../config/journeys';
import { routesFor } from '../../ingest/routes';
import type { ShopEvent } from '../../ingest/event-schemas';

type Standing = { orderCount: number; lifetimeRevenue: number; invitedAt: string | null };
let standing: Standing = { orderCount: 1, lifetimeRevenue: 9, invitedAt: null };
const lookups = { replenishableProducts: async () => [], vipStanding: async () => standing, orderProductIds: async () => [], isKnownConsentingCustomer: async () => true };
const orderPlaced: ShopEvent = {
  id: 'evt-o-1',
  type: 'order.placed',
  customerId: 'c-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  properties: { orderId: 'o-1', total: 9, currency: 'EUR', items: [{ productId: 'p', title: 'P', price: 9, quantity: 1 }] },
};
const delivered: ShopEvent = { ...orderPlaced, id: 'evt-d-1', type: 'order.delivered', properties: { orderId: 'o-1' } };

const routed = async (e: ShopEvent, journey: string) =>
  (await routesFor(e, lookups, defaultJourneysConfig))
    .filter((m) => m.route.name === journey)
    .map((m) => ({ action: m.action, workflowId: m.route.workflowId(e), restart: m.route.restart, input: m.route.input(e as never, defaultJourneysConfig) }));

describe('routing of post-purchase, win-back and VIP', () => {
  test('an order starts its own post-purchase journey, and its delivery reaches it', async () => {
    const [start] = await routed(orderPlaced, 'post-purchase');
    assert.deepEqual(start, {
      action: 'start',
      workflowId: 'post-purchase/o-1',
      restart: 'never',
      input: { customerId: 'c-1', orderId: 'o-1', order: orderPlaced.properties, config: defaultJourneysConfig.postPurchase },
    });
    assert.deepEqual((await routed(delivered, 'post-purchase')).map((m) => [m.action, m.workflowId]), [['signal', 'post-purchase/o-1']]);
  });

  test('every order starts or reaches the customer\'s win-back journey (restartable)', async () => {
    const [winBack] = await routed(orderPlaced, 'win-back');
    assert.deepEqual([winBack.action, winBack.workflowId, winBack.restart], ['start', 'win-back/c-1', 'after-close']);
    assert.deepEqual(winBack.input, { customerId: 'c-1', config: defaultJourneysConfig.winBack });
    assert.deepEqual((await routed(delivered, 'win-back')).length + (await routed(delivered, 'vip')).length, 0);
  });

  test('VIP (never restarted) starts on the order that qualifies, not before, and not after the invitation', async () => {
    standing = { orderCount: 4, lifetimeRevenue: 900, invitedAt: null };
    assert.deepEqual(await routed(orderPlaced, 'vip'), [], 'below both thresholds the journey is not told');
    standing = { orderCount: 5, lifetimeRevenue: 900, invitedAt: null };
    const [byCount] = await routed(orderPlaced, 'vip');
    assert.deepEqual([byCount.action, byCount.workflowId, byCount.restart], ['start', 'vip/c-1', 'never']);
    standing = { orderCount: 1, lifetimeRevenue: 1000, invitedAt: null };
    assert.equal((await routed(orderPlaced, 'vip'))[0]?.action, 'start', 'lifetime revenue qualifies too');
    standing = { orderCount: 9, lifetimeRevenue: 5000, invitedAt: '2026-01-01T00:00:00.000Z' };
    assert.deepEqual(await routed(orderPlaced, 'vip'), [], 'invited once: never again');
  });
});
