import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { PoolClient } from 'pg';
import { createPool } from '../../db/pool';
import { loadConfig } from '../../config/env';
import { defaultJourneysConfig } from '../../config/journeys';
import { createApp } from '../../api/app';
import { EventRelay, type HandOff } from '../../ingest/relay';
import { storeAndLease, storeEvents } from '../../ingest/store';
import { PausedJourneys } from '../../activities/journey-controls';
import { cartUpdated as cart, customerCreated, orderPlaced } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { dispatchOrder, recordingTemporal } from '../helpers/recording-temporal';

/**
 * The API hands the heads it stores to the relay of its own process, leased to it by the
 * statement that stores them: an event at idle goes to Temporal without a claim or a pass.
 * The lease is the claim's: order per customer and "one relay at a time" hold as before.
 */
// Cart updates start their journeys at once here (holdUntilQuiet: false): these tests read the
// Temporal calls each event makes.
const log = pino({ level: 'silent' });
const KEY = 'test-api-key-0123456789';

describe('the API hands stored heads to its relay', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  const relayOn = (temporal: ReturnType<typeof recordingTemporal>, extra: Partial<ConstructorParameters<typeof EventRelay>[0]> = {}) =>
    new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, deadLetterHoldMs: null, ...extra });

  /** Store through the hand-off as the events route does; resolves once the hand-off's lines are done. */
  const storeHandingOff = async (relay: EventRelay, events: Parameters<typeof storeEvents>[1]) => {
    const handOff = relay.handOff(new Set(events.map((e) => e.customerId)).size);
    const { leased } = await storeAndLease(database.pool, events, new Date(), { lease: handOff?.lease });
    handOff?.take(leased);
    return leased;
  };
  const settled = (relay: EventRelay) => relay.handedOffDone();

  test('a sign-up at idle reaches Temporal with no claim: leased in the statement that stores it', async () => {
    const pool = createPool(database.url, 4);
    const statements: string[] = [];
    pool.on('connect', (client: PoolClient) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
        statements.push(String(typeof text === 'string' ? text : (text as { text: string }).text).trim().split(/\s+/).slice(0, 3).join(' '));
        return query(text, ...rest);
      };
    });
    try {
      const temporal = recordingTemporal(() => undefined, (call) => {
        statements.push(`temporal ${call.kind} ${call.workflowId}`);
        return undefined;
      });
      const paused = new PausedJourneys(pool, defaultJourneysConfig, 60_000);
      await paused.isPaused('welcome');
      const relay = new EventRelay({ db: pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, pausedJourneys: paused, deadLetterHoldMs: null });
      const handOff = relay.handOff(1);
      assert.ok(handOff, 'an idle relay takes a hand-off');
      const { leased } = await storeAndLease(database.pool, [customerCreated('ho-1', 'ho-c')], new Date(), { lease: handOff.lease });
      assert.deepEqual(leased.map((r) => r.id), ['ho-1']);
      const { rows: stored } = await database.pool.query(`SELECT leased_until > now() AS leased FROM events WHERE id = 'ho-1'`);
      assert.equal(stored[0].leased, true, 'leased when it became visible');
      statements.length = 0;
      handOff.take(leased);
      await settled(relay);
      const firstCall = statements.findIndex((l) => l.startsWith('temporal signalWithStart welcome/'));
      assert.ok(firstCall >= 0, statements.join('\n'));
      assert.deepEqual(statements.slice(0, firstCall).filter((l) => !l.startsWith('temporal')), [], `nothing before the welcome journey starts:\n${statements.join('\n')}`);
      const { rows } = await database.pool.query(`SELECT dispatched_at IS NOT NULL AS done, leased_until FROM events WHERE id = 'ho-1'`);
      assert.deepEqual(rows, [{ done: true, leased_until: null }]);
    } finally {
      await pool.end();
    }
  });

  test("only a head is handed off: a customer's later event never overtakes an earlier one still waiting", async () => {
    // The earlier event waits in the store (no relay has taken it yet).
    await storeEvents(database.pool, [cart('ho2-1', 'ho2')]);
    const temporal = recordingTemporal();
    const relay = relayOn(temporal);
    const leased = await storeHandingOff(relay, [orderPlaced('ho2-2', 'ho2')]);
    assert.deepEqual(leased, [], 'not head of line: nothing leased');
    await settled(relay);
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho2'), [], 'nothing went out of turn');
    await relayOn(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho2'), ['ho2-1', 'ho2-2']);
  });

  test("a batch hands off the customer's first event and the hand-off goes on down the line", async () => {
    const temporal = recordingTemporal();
    const relay = relayOn(temporal);
    const leased = await storeHandingOff(relay, [cart('ho3-1', 'ho3'), cart('ho3-2', 'ho3'), orderPlaced('ho3-3', 'ho3')]);
    assert.deepEqual(leased.map((r) => r.id), ['ho3-1'], 'one head per customer');
    await settled(relay);
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho3'), ['ho3-1', 'ho3-2', 'ho3-3']);
    const { rows } = await database.pool.query(`SELECT count(*)::int AS n FROM events WHERE customer_id = 'ho3' AND (dispatched_at IS NULL OR leased_until IS NOT NULL)`);
    assert.equal(rows[0].n, 0);
  });

  test('an event posted while the hand-off is at Temporal waits for it, then follows it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const temporal = recordingTemporal(() => undefined, (call) => (call.eventId === 'ho4-1' ? held : undefined));
    const relay = relayOn(temporal);
    await storeHandingOff(relay, [cart('ho4-1', 'ho4')]);
    while (!temporal.begun.some((c) => c.eventId === 'ho4-1')) await new Promise((r) => setImmediate(r));
    // Posted now, through the hand-off and the claim of another relay: neither may deliver it yet.
    assert.deepEqual(await storeHandingOff(relay, [orderPlaced('ho4-2', 'ho4')]), []);
    const other = relayOn(temporal);
    await other.drain();
    assert.deepEqual(temporal.begun.filter((c) => c.customerId === 'ho4').map((c) => c.eventId), ['ho4-1'], 'the later event waits for the earlier');
    release();
    await settled(relay);
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho4'), ['ho4-1', 'ho4-2']);
  });

  test("a head leased to a process that died is another relay's once the lease has run out", async () => {
    // The dying process: the enqueue leased the head to it, and it never dispatched it.
    const { leased } = await storeAndLease(database.pool, [cart('ho5-1', 'ho5'), cart('ho5-2', 'ho5')], new Date(), { lease: { max: 1, seconds: 1 } });
    assert.deepEqual(leased.map((r) => r.id), ['ho5-1']);
    const temporal = recordingTemporal();
    await relayOn(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho5'), [], 'leased: no other relay takes it meanwhile');
    for (;;) {
      const { rows } = await database.pool.query(`SELECT leased_until < now() AS over FROM events WHERE id = 'ho5-1'`);
      if (rows[0].over) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await relayOn(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho5'), ['ho5-1', 'ho5-2']);
  });

  test('a pass finds every slot it may fill taken by hand-offs: it waits for them, then claims the backlog in its order', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const temporal = recordingTemporal(() => undefined, (call) => (call.customerId.startsWith('ho8-h') ? held : undefined));
    // 4 slots, 3 for marketing: three hand-offs at Temporal fill them.
    const relay = relayOn(temporal, { parallelism: 4, batchSize: 10 });
    for (const n of [1, 2, 3]) await storeHandingOff(relay, [cart(`ho8-h${n}`, `ho8-h${n}`)]);
    assert.equal(relay.handOff(1), undefined, 'every marketing slot is a hand-off');
    // A backlog the relay has to claim: marketing of one customer, an order of another.
    await storeEvents(database.pool, [cart('ho8-b1', 'ho8-b'), orderPlaced('ho8-o1', 'ho8-o')]);
    const pass = relay.drain();
    // The transactional reserve is not the hand-offs': the order goes out meanwhile.
    for (;;) {
      const { rows } = await database.pool.query(`SELECT dispatched_at IS NOT NULL AS done FROM events WHERE id = 'ho8-o1'`);
      if (rows[0].done) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(!temporal.begun.some((c) => c.eventId === 'ho8-b1'), 'no marketing slot free: the cart waits');
    release();
    await pass;
    await settled(relay);
    assert.deepEqual(dispatchOrder(temporal.calls, 'ho8-b'), ['ho8-b1'], 'claimed once a hand-off gave its slot back');
  });

  test('a stopped relay takes no hand-off, and a full one only what fits', async () => {
    const relay = relayOn(recordingTemporal(), { parallelism: 4 });
    // 4 slots, a quarter kept for the transactional lane: 3 for hand-offs.
    const first = relay.handOff(5) as HandOff;
    assert.equal(first.lease.max, 3);
    assert.equal(relay.handOff(1), undefined, 'every slot reserved');
    first.take([]);
    assert.equal(relay.handOff(1)?.lease.max, 1, 'what was not leased is given back');
    first.cancel();
    assert.equal(relay.handOff(3)?.lease.max, 2, 'given back once');
    await relay.stop();
    assert.equal(relay.handOff(1), undefined);
  });

  test('POST /v1/events: a handed-off event needs no nudge; one behind an earlier event does', async () => {
    const config = loadConfig({ API_KEY: KEY, TOKEN_SECRET: 'test-token-secret-0123456789', DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    const temporal = recordingTemporal();
    const relay = relayOn(temporal);
    const nudges: (0 | 1 | undefined)[] = [];
    const app = createApp({ db: database.pool, config, log, temporal: temporal.client, nudgeRelay: (lane) => nudges.push(lane), handOffToRelay: (n) => relay.handOff(n) });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const post = async (body: unknown) => {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(res.status, 202, await res.text());
      };
      await post(customerCreated('ho6-1', 'ho6'));
      await settled(relay);
      assert.deepEqual(dispatchOrder(temporal.calls, 'ho6'), ['ho6-1']);
      assert.deepEqual(nudges, [] as (0 | 1 | undefined)[], 'handed off: no pass');
      await storeEvents(database.pool, [cart('ho7-1', 'ho7')]);
      const relay2 = relayOn(temporal);
      const app2 = createApp({ db: database.pool, config, log, temporal: temporal.client, nudgeRelay: (lane) => nudges.push(lane), handOffToRelay: (n) => relay2.handOff(n) });
      server.removeAllListeners('request');
      server.on('request', app2);
      await post(orderPlaced('ho7-2', 'ho7'));
      assert.deepEqual(nudges, [0], 'behind an earlier event: the relay is nudged, in the transactional lane');
      await relay2.drain();
      assert.deepEqual(dispatchOrder(temporal.calls, 'ho7'), ['ho7-1', 'ho7-2']);
    } finally {
      server.close();
    }
  });
});
