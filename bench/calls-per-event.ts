/**
 * `npx tsx bench/calls-per-event.ts`: how many Temporal calls the relay makes for each event
 * type along one customer's life (sign-up, cart, checkout, order, shipping, delivery, profile
 * change, views, a form, a back-in-stock request, a second order). Counts, not timings: the
 * relay runs against a client that records its calls. Needs the test Postgres.
 */
import pino from 'pino';
import { defaultJourneysConfig } from '../config/journeys';
import { EventRelay } from '../ingest/relay';
import { storeEvents, type IncomingEvent } from '../ingest/store';
import { createTestDatabase } from '../test/helpers/database';
import { recordingTemporal } from '../test/helpers/recording-temporal';

const items = [{ productId: 'p-1', title: 'Tea', price: 5, quantity: 1 }];
const life = (c: string): IncomingEvent[] => [
  { id: `${c}-1`, type: 'customer.created', customerId: c, properties: { email: `${c}@example.com`, marketingConsent: true } },
  { id: `${c}-2`, type: 'product.viewed', customerId: c, properties: { productId: 'p-1' } },
  { id: `${c}-3`, type: 'cart.updated', customerId: c, properties: { cartId: 'k', cartUrl: 'https://shop.example.com/cart', items } },
  { id: `${c}-4`, type: 'checkout.started', customerId: c, properties: { cartId: 'k' } },
  { id: `${c}-5`, type: 'order.placed', customerId: c, properties: { orderId: `${c}-o1`, total: 5, currency: 'EUR', items } },
  { id: `${c}-6`, type: 'order.shipped', customerId: c, properties: { orderId: `${c}-o1`, trackingNumber: 'T1' } },
  { id: `${c}-7`, type: 'order.delivered', customerId: c, properties: { orderId: `${c}-o1` } },
  { id: `${c}-8`, type: 'customer.updated', customerId: c, properties: { timezone: 'Europe/Berlin' } },
  { id: `${c}-9`, type: 'form.submitted', customerId: c, properties: { formId: 'f', topics: ['tea'] } },
  { id: `${c}-10`, type: 'back_in_stock.requested', customerId: c, properties: { productId: 'p-2' } },
  { id: `${c}-11`, type: 'order.placed', customerId: c, properties: { orderId: `${c}-o2`, total: 5, currency: 'EUR', items } },
];

async function main(): Promise<void> {
  const database = await createTestDatabase();
  try {
    const temporal = recordingTemporal();
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log: pino({ level: 'silent' }) });
    const events = life('calls-c');
    const counts: [string, number][] = [];
    for (const event of events) {
      const before = temporal.calls.length;
      await storeEvents(database.pool, [event]);
      await relay.drain();
      counts.push([`${event.type}${events.filter((e) => e.type === event.type).indexOf(event) > 0 ? ' (again)' : ''}`, temporal.calls.length - before]);
    }
    const total = counts.reduce((n, [, c]) => n + c, 0);
    console.log(JSON.stringify({ perEvent: Object.fromEntries(counts), total }, null, 2));
  } finally {
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
