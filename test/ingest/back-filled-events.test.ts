import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Client } from '@temporalio/client';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { API_KEY, startApp, startSendHarness, type RunningApp, type SendHarness } from '../guardrails/harness';

/** A Temporal client that records what dispatch asks of it and answers "started". */
function recordingTemporal() {
  const started: string[] = [];
  const signalled: string[] = [];
  const client = {
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    workflow: {
      signalWithStart: async (_name: string, options: { workflowId: string }) => {
        started.push(options.workflowId);
      },
      getHandle: (workflowId: string) => ({
        signal: async () => {
          signalled.push(workflowId);
        },
      }),
    },
  };
  return { client: client as unknown as Client, started, signalled };
}

/**
 * History posted through POST /v1/events: an event older than its route's maximum age updates
 * the shop's data but starts no journey; an explicit import starts none at all.
 */
describe('back-filled events', () => {
  let h: SendHarness;
  let app: RunningApp;
  let temporal: ReturnType<typeof recordingTemporal>;
  let relay: EventRelay;
  before(async () => {
    h = await startSendHarness();
    app = await startApp(h);
    temporal = recordingTemporal();
    relay = new EventRelay({
      db: h.db.pool,
      client: temporal.client,
      taskQueue: 'test',
      journeys: defaultJourneysConfig,
      log: pino({ level: 'silent' }),
    });
  });
  after(async () => {
    await app?.close();
    await h?.close();
  });

  const post = (body: unknown) =>
    fetch(`${app.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const order = (id: string, customerId: string, occurredAt: string) => ({
    id,
    type: 'order.placed',
    customerId,
    occurredAt,
    properties: { orderId: id, total: 20, currency: 'EUR', items: [{ productId: 'p-1', title: 'Tea', price: 20, quantity: 1 }] },
  });

  test('an order placed two years ago is stored and projected but starts no order confirmation, win-back or VIP', async () => {
    const res = await post(order('o-old', 'bf-old', daysAgo(730)));
    assert.equal(res.status, 202);
    await relay.drain();
    assert.deepEqual(temporal.started.filter((id) => id.includes('o-old') || id.includes('bf-old')), []);
    const stored = (await h.db.pool.query(`SELECT dispatched_at FROM events WHERE id = 'o-old'`)).rows[0];
    assert.ok(stored.dispatched_at, 'dispatched (to no journey), not left in the backlog');
    assert.equal((await h.db.pool.query(`SELECT count(*)::int AS n FROM orders WHERE id = 'o-old'`)).rows[0].n, 1, 'the order is projected');
  });

  test('a fresh order still starts its journeys', async () => {
    await post(order('o-new', 'bf-new', new Date().toISOString()));
    await relay.drain();
    assert.ok(temporal.started.includes('order/o-new'), temporal.started.join(', '));
  });

  test('a customer created a year ago gets no welcome series; one created a minute ago does', async () => {
    const created = (id: string, occurredAt: string) => ({
      id: `created-${id}`,
      type: 'customer.created',
      customerId: id,
      occurredAt,
      properties: { email: `${id}@example.com`, marketingConsent: true },
    });
    await post({ events: [created('bf-year', daysAgo(365)), created('bf-minute', new Date(Date.now() - 60_000).toISOString())] });
    await relay.drain();
    assert.ok(!temporal.started.includes('welcome/bf-year'));
    assert.ok(temporal.started.includes('welcome/bf-minute'));
    assert.equal((await h.db.pool.query(`SELECT email FROM customers WHERE id = 'bf-year'`)).rows[0].email, 'bf-year@example.com');
  });

  test('an import batch starts and signals no journey, even for recent events, and still updates the data', async () => {
    const res = await post({ import: true, events: [order('o-imported', 'bf-import', new Date().toISOString())] });
    assert.equal(res.status, 202);
    await relay.drain();
    assert.deepEqual(temporal.started.filter((id) => id.includes('imported') || id.includes('bf-import')), []);
    assert.deepEqual(temporal.signalled.filter((id) => id.includes('bf-import')), []);
    assert.equal((await h.db.pool.query(`SELECT count(*)::int AS n FROM orders WHERE id = 'o-imported'`)).rows[0].n, 1);
  });

  test('a batch whose import flag is not a boolean is a 422 and stores nothing', async () => {
    const res = await post({ import: 'yes', events: [order('o-bad-import', 'bf-bad', new Date().toISOString())] });
    assert.equal(res.status, 422);
    assert.equal((await h.db.pool.query(`SELECT count(*)::int AS n FROM events WHERE id = 'o-bad-import'`)).rows[0].n, 0);
  });
});
