import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { PoolClient } from 'pg';
import { createPool } from '../../db/pool';
import { defaultJourneysConfig } from '../../config/journeys';
import { CLAIM_SQL, EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { PausedJourneys } from '../../activities/journey-controls';
import { cartUpdated, customerCreated } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { recordingTemporal } from '../helpers/recording-temporal';

/**
 * One event at idle: what the relay does between the API's nudge and the event's first
 * Temporal call is latency the customer waits for (event → email). On the embedded
 * single-session database every statement there runs before the call can go out.
 */
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

test('a sign-up at idle: one claim, then the journey starts; the signals look-up does not hold them up', async () => {
  const pool = createPool(database.url, 4);
  const log: string[] = [];
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
      log.push(String(typeof text === 'string' ? text : (text as { text: string }).text).trim().split(/\s+/).slice(0, 3).join(' '));
      return query(text, ...rest);
    };
  });
  try {
    const temporal = recordingTemporal(() => undefined, (call) => {
      log.push(`temporal ${call.kind} ${call.workflowId}`);
      return undefined;
    });
    const paused = new PausedJourneys(pool, defaultJourneysConfig, 60_000);
    await paused.isPaused('welcome');
    const relay = new EventRelay({
      db: pool,
      client: temporal.client,
      taskQueue: 'q',
      journeys: defaultJourneysConfig,
      log: pino({ level: 'silent' }),
      // the pause switches as the relay has them cached between events
      pausedJourneys: paused,
      deadLetterHoldMs: null,
    });
    await relay.drain();
    await storeEvents(database.pool, [customerCreated('idle-1', 'idle-c')]);
    log.length = 0;
    assert.equal(await relay.drain(), 1);
    const firstCall = log.findIndex((l) => l.startsWith('temporal signalWithStart welcome/'));
    assert.ok(firstCall > 0, log.join('\n'));
    assert.deepEqual(
      log.slice(0, firstCall).filter((l) => !l.startsWith('temporal')),
      ['UPDATE events SET'],
      `only the claim before the welcome journey starts:\n${log.join('\n')}`,
    );
  } finally {
    await pool.end();
  }
});

test('a pass that followed its lines to their end claims no more: one claim for an event at idle', async () => {
  const pool = createPool(database.url, 4);
  const claims: string[] = [];
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
      const sql = String(typeof text === 'string' ? text : (text as { text: string }).text);
      if (sql === CLAIM_SQL) claims.push(sql);
      return query(text, ...rest);
    };
  });
  try {
    const temporal = recordingTemporal();
    // cart updates start their journey at once here (holdUntilQuiet: false), a call each
    const relay = new EventRelay({ db: pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log: pino({ level: 'silent' }), holdUntilQuiet: false, deadLetterHoldMs: null });
    await storeEvents(database.pool, [cartUpdated('idle-2', 'idle-d')]);
    assert.equal(await relay.drain(), 1);
    // The delivery looked for the customer's next head itself (journeys_complete_and_follow) and
    // found none: a claim after it could only find nothing, and on the embedded database it
    // would hold up the journey's first task meanwhile.
    assert.equal(claims.length, 1);
    // A customer with more to send than one slot follows still gets it all in this pass.
    await storeEvents(database.pool, Array.from({ length: 20 }, (_, i) => cartUpdated(`idle-3-${i}`, 'idle-e')));
    assert.equal(await relay.drain(), 20);
  } finally {
    await pool.end();
  }
});
