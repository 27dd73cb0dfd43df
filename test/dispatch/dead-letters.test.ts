import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig, type Config } from '../../config/env';
import { createApp } from '../../api/app';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { cartUpdated as cart } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { dispatchOrder, recordingTemporal } from '../helpers/recording-temporal';

// Cart updates start their journeys at once here (holdUntilQuiet: false): these tests read the
// Temporal calls each event makes. Holding them until quiet is tested in held-starts.test.ts.
const log = pino({ level: 'silent' });
const KEY = 'test-api-key-0123456789';

describe('poison events are dead-lettered visibly and can be retried', () => {
  let database: TestDatabase;
  let server: Server;
  let url: string;
  let config: Config;
  let poisoned = new Set<string>();
  const temporal = recordingTemporal((call) => (poisoned.has(call.eventId) ? new Error('the journey rejects this input') : undefined));
  (temporal.client as unknown as Record<string, unknown>).connection = { workflowService: { getSystemInfo: async () => ({}) } };

  const request = async (method: string, path: string) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  };
  /** Drain until nothing is due, making any retry due at once instead of sleeping through its backoff. */
  const drainAll = async (relay: EventRelay) => {
    for (let i = 0; i < 10; i++) {
      await relay.drain();
      await database.pool.query('UPDATE events SET next_attempt_at = now() WHERE dispatched_at IS NULL AND next_attempt_at > now()');
    }
  };

  before(async () => {
    database = await createTestDatabase();
    config = loadConfig({
      API_KEY: KEY,
      TOKEN_SECRET: 'test-token-secret-0123456789',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      DISPATCH_MAX_ATTEMPTS: '3',
      DISPATCH_DEAD_LETTER_HOLD: '1 hour',
    });
    const app = createApp({ db: database.pool, config, log, temporal: temporal.client, nudgeRelay: () => undefined });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await database?.drop();
  });

  const relayFor = (extra: Record<string, unknown> = {}) =>
    new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: config.journeys, log, holdUntilQuiet: false, maxAttempts: 3, deadLetterHoldMs: 3_600_000, ...extra });

  test("after the capped attempts an event is dead-lettered: listed, counted, shown in /readyz; the customer's later events wait; retry delivers both in order", async () => {
    poisoned = new Set(['dl-poison']);
    await storeEvents(database.pool, [cart('dl-poison', 'dl-c'), cart('dl-later', 'dl-c'), cart('dl-other', 'dl-d')]);
    await drainAll(relayFor());
    assert.deepEqual(dispatchOrder(temporal.calls, 'dl-d'), ['dl-other']);
    assert.deepEqual(dispatchOrder(temporal.calls, 'dl-c'), [], 'the later event waits behind the dead letter (hold: 1 hour)');

    const listed = await request('GET', '/v1/dead-letters');
    assert.equal(listed.status, 200);
    const entry = listed.body.deadLetters.find((d: { id: string }) => d.id === 'dl-poison');
    assert.ok(entry, 'the poison event is listed');
    assert.equal(entry.attempts, 3);
    assert.match(entry.error, /rejects this input/);
    assert.equal(entry.customerId, 'dl-c');
    assert.equal(entry.waitingBehind, 1, 'one later event of the customer waits');
    assert.ok(Date.parse(entry.holdsUntil) > Date.now(), 'the rule says how long it holds them');

    const ready = await request('GET', '/readyz');
    assert.equal(ready.body.dispatch.deadLettered, 1);
    assert.match(ready.body.dispatch.deadLetterRule, /hour/);
    const metrics = await request('GET', '/metrics');
    assert.match(metrics.body, /journeys_events_dead_lettered 1\b/);

    poisoned = new Set();
    const retried = await request('POST', '/v1/dead-letters/dl-poison/retry');
    assert.equal(retried.status, 202);
    await drainAll(relayFor());
    assert.deepEqual(dispatchOrder(temporal.calls, 'dl-c'), ['dl-poison', 'dl-later']);
    const after_ = await request('GET', '/v1/dead-letters');
    assert.equal(after_.body.deadLetters.length, 0);
    assert.equal((await request('POST', '/v1/dead-letters/dl-poison/retry')).status, 404, 'nothing dead-lettered under that id any more');
  });

  test("once the hold has passed the customer's later events go on; a retried event then comes after them", async () => {
    poisoned = new Set(['dl2-poison']);
    await storeEvents(database.pool, [cart('dl2-poison', 'dl2-c'), cart('dl2-later', 'dl2-c')]);
    await drainAll(relayFor({ deadLetterHoldMs: 0 }));
    assert.deepEqual(dispatchOrder(temporal.calls, 'dl2-c'), ['dl2-later'], 'no hold: the later event was released');
    assert.equal((await request('GET', '/v1/dead-letters')).body.deadLetters.length, 1);
    poisoned = new Set();
    assert.equal((await request('POST', '/v1/dead-letters/dl2-poison/retry')).status, 202);
    await drainAll(relayFor({ deadLetterHoldMs: 0 }));
    assert.deepEqual(dispatchOrder(temporal.calls, 'dl2-c'), ['dl2-later', 'dl2-poison']);
  });

  test('an unknown or malformed id is a clear 404', async () => {
    const res = await request('POST', '/v1/dead-letters/no-such-event/retry');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
  });
});
