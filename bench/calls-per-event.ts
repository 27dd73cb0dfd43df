/**
 * How many Temporal calls the relay makes for each event type along one customer's life
 * (sign-up, a view, cart, checkout, order, shipping, delivery, a profile change, a form, a
 * back-in-stock request, a second order; a cart left until its first reminder is due). Counts, not timings: the relay runs against a client
 * that records its calls. `npx tsx bench/calls-per-event.ts` (needs the test Postgres);
 * `npm run bench` reports the same on its own database.
 */
import pino from 'pino';
import type { Pool } from 'pg';
import { defaultJourneysConfig } from '../config/journeys';
import { EventRelay } from '../ingest/relay';
import { storeEvents, type IncomingEvent } from '../ingest/store';
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

/** Months later: two more orders, after every journey of the customer has run its course. */
const later = (c: string): IncomingEvent[] =>
  [3, 4].map((n) => ({ id: `${c}-later-${n}`, type: 'order.placed', customerId: c, properties: { orderId: `${c}-o${n}`, total: 5, currency: 'EUR', items } }));

/** Event type (a repeat marked "again") → Temporal calls it caused (a call answered "not found" counts). */
export async function callsPerEvent(db: Pool, customerId = `calls-${Date.now()}`): Promise<Record<string, number>> {
  const ended = new Set<string>();
  const temporal = recordingTemporal(undefined, undefined, ended);
  const relay = new EventRelay({ db, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log: pino({ level: 'silent' }) });
  const events = life(customerId);
  const counts: Record<string, number> = {};
  const count = async (event: IncomingEvent, label: string) => {
    const before = temporal.begun.length;
    await storeEvents(db, [event]);
    await relay.drain();
    counts[label] = temporal.begun.length - before;
  };
  for (const event of events) {
    const again = events.filter((e) => e.type === event.type).indexOf(event) > 0;
    await count(event, `${event.type}${again ? ' (again)' : ''}`);
  }
  // Temporal answers "not found" to a journey that has ended; the first order after asks each once.
  for (const c of temporal.calls) ended.add(c.workflowId);
  const [first, next] = later(customerId);
  await count(first, 'order.placed after its journeys ended');
  await count(next, 'order.placed after that');
  // A cart left alone: its updates were held (no call); when the first reminder is due, one start.
  const abandoner = `${customerId}-abandons`;
  await count({ id: `${abandoner}-1`, type: 'cart.updated', customerId: abandoner, properties: { cartId: 'k', cartUrl: 'https://shop.example.com/cart', items } }, 'cart.updated (abandoned)');
  const before = temporal.begun.length;
  await db.query(`UPDATE held_starts SET due_at = now() WHERE customer_id = $1`, [abandoner]);
  await db.query('SELECT journeys_enqueue_due_starts(100)');
  await relay.drain();
  counts['its first reminder due (the held journey starts)'] = temporal.begun.length - before;
  return counts;
}

if (require.main === module) {
  void (async () => {
    const { createTestDatabase } = await import('../test/helpers/database');
    const database = await createTestDatabase();
    try {
      const counts = await callsPerEvent(database.pool);
      console.log(JSON.stringify({ perEvent: counts, total: Object.values(counts).reduce((a, b) => a + b, 0) }, null, 2));
    } finally {
      await database.drop();
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
