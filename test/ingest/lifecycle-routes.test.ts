import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultJourneysConfig } from '../../config/journeys';
import { routesFor } from '../../ingest/routes';
import type { ShopEvent } from '../../ingest/event-schemas';

const event = (type: ShopEvent['type'], properties: Record<string, unknown>): ShopEvent =>
  ({ id: `evt-${type}`, type, customerId: 'c-1', occurredAt: '2026-01-01T00:00:00.000Z', properties }) as ShopEvent;

/** The products of the catalog that have replenishDays. */
const lookups = {
  replenishableProducts: async (ids: string[]) => ids.filter((id) => id !== 'mug'),
  vipStanding: async () => ({ orderCount: 1, lifetimeRevenue: 0, invitedAt: null }),
  orderProductIds: async () => [], isKnownConsentingCustomer: async () => true,
};

const touches = async (e: ShopEvent, journey: string) =>
  (await routesFor(e, lookups, defaultJourneysConfig))
    .filter((m) => m.route.name === journey)
    .map((m) => ({ action: m.action, workflowId: m.route.workflowId(e), input: m.route.input(e as never, defaultJourneysConfig) }));

describe('routing of birthday, lead nurture and replenishment', async () => {
  test('a customer with a birthday starts the birthday journey with the default time zone in its config', async () => {
    const [start] = await touches(event('customer.created', { email: 'a@example.com', birthday: '1992-02-29' }), 'birthday');
    assert.equal(start.action, 'start');
    assert.equal(start.workflowId, 'birthday/c-1');
    assert.deepEqual(start.input, {
      customerId: 'c-1',
      config: { enabled: true, sendAtLocalHour: 10, couponPercentOff: 15, couponValidity: '14 days', sendWindows: { 'birthday-greeting': 'standard' }, defaultTimezone: 'UTC' },
    });
  });

  test('a profile change without a birthday only reaches a running birthday journey; a new customer without one starts nothing', async () => {
    assert.deepEqual((await touches(event('customer.updated', { timezone: 'Asia/Tokyo' }), 'birthday')).map((m) => m.action), ['signal']);
    assert.deepEqual((await touches(event('customer.updated', { birthday: '1990-01-01' }), 'birthday')).map((m) => m.action), ['start']);
    assert.deepEqual((await touches(event('customer.created', { email: 'a@example.com' }), 'birthday')).map((m) => m.action), ['signal']);
  });

  test('a form starts lead nurture; an order only reaches a running one', async () => {
    assert.deepEqual((await touches(event('form.submitted', { formId: 'f', topics: ['tea'] }), 'lead-nurture')).map((m) => [m.action, m.workflowId]), [
      ['start', 'lead-nurture/c-1'],
    ]);
    const order = event('order.placed', { orderId: 'o-1', total: 1, currency: 'EUR', items: [{ productId: 'p', title: 'P', price: 1, quantity: 1 }] });
    assert.deepEqual((await touches(order, 'lead-nurture')).map((m) => m.action), ['signal']);
  });

  test('an order fans out to one replenishment journey per distinct replenishable product, each with its own input', async () => {
    const order = event('order.placed', {
      orderId: 'o-1',
      total: 3,
      currency: 'EUR',
      items: [
        { productId: 'beans', title: 'Beans', price: 1, quantity: 1 },
        { productId: 'filters', title: 'Filters', price: 1, quantity: 1 },
        { productId: 'beans', title: 'Beans', price: 1, quantity: 2 },
        { productId: 'mug', title: 'Mug (no replenishDays)', price: 9, quantity: 1 },
      ],
    });
    const routed = await touches(order, 'replenishment');
    assert.deepEqual(routed.map((m) => [m.action, m.workflowId]), [
      ['start', 'replenishment/c-1/beans'],
      ['start', 'replenishment/c-1/filters'],
    ]);
    assert.deepEqual(routed[1].input, { customerId: 'c-1', productId: 'filters', config: defaultJourneysConfig.replenishment });
  });
});
