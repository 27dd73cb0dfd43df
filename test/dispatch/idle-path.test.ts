import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { PoolClient } from 'pg';
import { createPool } from '../../db/pool';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { PausedJourneys } from '../../activities/journey-controls';
import { customerCreated } from '../helpers/shop-events';
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
