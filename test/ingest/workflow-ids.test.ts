import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { customerKeyedJourneys, journeyRoutes, routesFor, type JourneyRoute } from '../../ingest/routes';
import { defaultJourneysConfig } from '../../config/journeys';
import type { ShopEvent } from '../../ingest/event-schemas';

/**
 * Workflow ids are `<journey>/<part>/<part>`: the relay, the restock coordinator and the link
 * pages find a journey by rebuilding its id, so two different customers (or products) must
 * never share one — and the ids of journeys already running must stay what they were.
 */
const event = (type: ShopEvent['type'], customerId: string, properties: Record<string, unknown>): ShopEvent =>
  ({ id: 'e-1', type, customerId, occurredAt: '2026-04-01T10:00:00.000Z', properties }) as ShopEvent;

const everyProductReplenishes = {
  replenishableProducts: async (ids: string[]) => ids,
  // a qualifying customer: every journey an order can reach shows its id
  vipStanding: async () => ({ orderCount: 5, lifetimeRevenue: 0, invitedAt: null }),
  orderProductIds: async () => [], isKnownConsentingCustomer: async () => true,
};

/** Every workflow id the event reaches, per action. */
async function workflowIds(e: ShopEvent): Promise<string[]> {
  return (await routesFor(e, everyProductReplenishes, defaultJourneysConfig)).map((m) => m.route.workflowId(e)).sort();
}

const backInStockRequest = (customerId: string, productId: string) =>
  event('back_in_stock.requested', customerId, { productId });
const orderOf = (customerId: string, productId: string) =>
  event('order.placed', customerId, { orderId: 'o-1', total: 1, currency: 'EUR', items: [{ productId, title: 'T', price: 1, quantity: 1 }] });

describe('workflow ids', () => {
  test('a "/" inside a customer or product id cannot make two subscriptions share a back-in-stock journey', async () => {
    const ann = await workflowIds(backInStockRequest('shop-a/ann', 'mug'));
    const other = await workflowIds(backInStockRequest('shop-a', 'ann/mug'));
    assert.equal(ann.length, 1);
    assert.notDeepEqual(ann, other);
  });

  test('a "/" inside an id cannot make two customers share a replenishment journey', async () => {
    const replenishment = (ids: string[]) => ids.filter((id) => id.startsWith('replenishment/'));
    const a = replenishment(await workflowIds(orderOf('shop-a/ann', 'beans')));
    const b = replenishment(await workflowIds(orderOf('shop-a', 'ann/beans')));
    assert.equal(a.length, 1);
    assert.notDeepEqual(a, b);
  });

  test('however a "/" or "%" falls, no other (customer, product) pair shares the id', async () => {
    const part = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', '/', '%', '2', 'F', '@') });
    await fc.assert(
      fc.asyncProperty(part, part, async (customerId, productId) => {
        const [id] = await workflowIds(backInStockRequest(customerId, productId));
        // Every other way to cut "customer/product" at a slash names another pair.
        const joined = `${customerId}/${productId}`;
        for (let i = joined.indexOf('/'); i !== -1; i = joined.indexOf('/', i + 1)) {
          const [c, p] = [joined.slice(0, i), joined.slice(i + 1)];
          if (c === customerId || !c || !p) continue;
          const [other] = await workflowIds(backInStockRequest(c, p));
          assert.notEqual(other, id, `(${c}, ${p}) vs (${customerId}, ${productId})`);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('ordinary ids are unchanged, so journeys already running keep their ids', async () => {
    assert.deepEqual(await workflowIds(backInStockRequest('c-1', 'pot-a')), ['back-in-stock/c-1/pot-a']);
    assert.deepEqual(await workflowIds(event('customer.created', 'ann.lee+shop@example.com', {})), [
      'birthday/ann.lee+shop@example.com',
      'welcome/ann.lee+shop@example.com',
    ]);
    assert.deepEqual(await workflowIds(orderOf('C_42:eu', 'beans-1kg')), [
      'abandoned-cart/C_42:eu',
      'browse-abandonment/C_42:eu',
      'lead-nurture/C_42:eu',
      'order/o-1',
      'post-purchase/o-1',
      'replenishment/C_42:eu/beans-1kg',
      'sunset/C_42:eu',
      'vip/C_42:eu',
      'welcome/C_42:eu',
      'win-back/C_42:eu',
    ]);
  });

  test("erasure's list of customer-keyed journeys is read off the id builders: order and product journeys are not in it", () => {
    const keyed = customerKeyedJourneys();
    for (const name of ['welcome', 'sunset', 'browse-abandonment', 'back-in-stock', 'replenishment']) assert.ok(keyed.includes(name as never), name);
    for (const name of ['order', 'order-notice', 'post-purchase', 'back-in-stock-restock']) assert.ok(!keyed.includes(name as never), name);
    // A journey that names the customer anywhere but right after its name would escape erasure's look-up: refused.
    const elsewhere: JourneyRoute = { ...journeyRoutes[0], name: 'welcome', workflowId: (e) => `welcome/x/${e.customerId}` };
    assert.throws(() => customerKeyedJourneys([elsewhere]), /names the customer but not right after the journey/);
  });
});
