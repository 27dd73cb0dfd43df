import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { routesFor } from '../../ingest/routes';
import { defaultJourneysConfig } from '../../config/journeys';
import type { ShopEvent } from '../../ingest/event-schemas';

const event = (type: ShopEvent['type'], properties: Record<string, unknown>): ShopEvent =>
  ({ id: 'e-1', type, customerId: 'c-1', occurredAt: '2026-04-01T10:00:00.000Z', properties }) as ShopEvent;

/** The core shop journeys' rows of the routing table: action and workflow id per event. */
const lookups = { replenishableProducts: async () => [], vipStanding: async () => ({ orderCount: 1, lifetimeRevenue: 0, invitedAt: null }), orderProductIds: async () => [], isKnownConsentingCustomer: async () => true };
const matches = async (e: ShopEvent, journey: string) =>
  (await routesFor(e, lookups, defaultJourneysConfig)).filter((m) => m.route.name === journey);
const routed = async (e: ShopEvent, journey: string) =>
  (await matches(e, journey)).map((m) => [m.action, m.route.workflowId(e)]);

describe('core shop routes', () => {
  test('order.placed starts order/<orderId> once ever; shipped and delivered reach it by orderId', async () => {
    const placed = event('order.placed', { orderId: 'o-9', total: 1, currency: 'EUR', items: [] });
    assert.deepEqual(await routed(placed, 'order'), [['start', 'order/o-9']]);
    assert.equal((await matches(placed, 'order'))[0].route.restart, 'never');
    assert.deepEqual(await routed(event('order.shipped', { orderId: 'o-9' }), 'order'), [['signal', 'order/o-9']]);
    assert.deepEqual(await routed(event('order.delivered', { orderId: 'o-9' }), 'order'), [['signal', 'order/o-9']]);
    const input = (await matches(placed, 'order'))[0].route.input(placed, defaultJourneysConfig);
    assert.deepEqual(input, {
      customerId: 'c-1',
      orderId: 'o-9',
      placedAt: '2026-04-01T10:00:00.000Z',
      order: placed.properties,
      config: defaultJourneysConfig.order,
    });
  });

  test('a non-empty cart starts abandoned-cart/<customerId>; an emptied cart, checkout and an order only reach it', async () => {
    const item = { productId: 'p', title: 'T', price: 1, quantity: 1 };
    assert.deepEqual(await routed(event('cart.updated', { cartId: 'k', cartUrl: 'https://x.example', items: [item] }), 'abandoned-cart'), [
      ['start', 'abandoned-cart/c-1'],
    ]);
    assert.deepEqual(await routed(event('cart.updated', { cartId: 'k', cartUrl: 'https://x.example', items: [] }), 'abandoned-cart'), [
      ['signal', 'abandoned-cart/c-1'],
    ]);
    assert.deepEqual(await routed(event('checkout.started', { cartId: 'k' }), 'abandoned-cart'), [['signal', 'abandoned-cart/c-1']]);
    assert.deepEqual(await routed(event('order.placed', { orderId: 'o', total: 1, currency: 'EUR', items: [item] }), 'abandoned-cart'), [
      ['signal', 'abandoned-cart/c-1'],
    ]);
  });

  test('back_in_stock.requested starts back-in-stock/<customerId>/<productId> with the request time', async () => {
    const requested = event('back_in_stock.requested', { productId: 'pot' });
    assert.deepEqual(await routed(requested, 'back-in-stock'), [['start', 'back-in-stock/c-1/pot']]);
    const [match] = await matches(requested, 'back-in-stock');
    assert.equal(match.route.restart, 'after-close', 'a new request after an alert is a new subscription');
    assert.deepEqual(match.route.input(requested, defaultJourneysConfig), {
      customerId: 'c-1',
      productId: 'pot',
      requestedAt: '2026-04-01T10:00:00.000Z',
      config: defaultJourneysConfig.backInStock,
    });
  });
});
