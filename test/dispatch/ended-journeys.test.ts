import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { cartUpdated, customerCreated, orderPlaced } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { recordingTemporal } from '../helpers/recording-temporal';

// Cart updates start their journeys at once here (holdUntilQuiet: false): these tests read the
// Temporal calls each event makes. Holding them until quiet is tested in held-starts.test.ts.
const log = pino({ level: 'silent' });
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

const relayWith = (temporal: ReturnType<typeof recordingTemporal>) =>
  new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false });

test('a journey that has ended is asked once, then no more: the next order skips the call', async () => {
  const c = 'ended-c';
  await storeEvents(database.pool, [customerCreated('ended-1', c), cartUpdated('ended-2', c)]);
  await relayWith(recordingTemporal()).drain();
  const { rows } = await database.pool.query<{ workflow_id: string }>(`SELECT workflow_id FROM journey_instances WHERE workflow_id LIKE $1`, [`%${c}%`]);
  const welcome = rows.map((r) => r.workflow_id).find((id) => id.startsWith('welcome/'));
  const cart = rows.map((r) => r.workflow_id).find((id) => id.startsWith('abandoned-cart/'));
  assert.ok(welcome && cart, `the sign-up and the cart started their journeys (${rows.map((r) => r.workflow_id)})`);

  // Weeks later: the welcome series and the cart journey have run their course.
  const ended = new Set([welcome, cart]);
  const first = recordingTemporal(undefined, undefined, ended);
  await storeEvents(database.pool, [orderPlaced('ended-3', c)]);
  await relayWith(first).drain();
  const askedEnded = (t: typeof first) => t.begun.filter((call) => ended.has(call.workflowId)).map((call) => call.workflowId).sort();
  assert.deepEqual(askedEnded(first), [cart, welcome].sort(), 'the first order still asks them (the relay cannot know yet)');
  assert.ok(first.calls.some((call) => call.workflowId.startsWith('order/')), 'and starts its order journey');

  const second = recordingTemporal(undefined, undefined, ended);
  await storeEvents(database.pool, [orderPlaced('ended-4', c)]);
  await relayWith(second).drain();
  assert.deepEqual(askedEnded(second), [], 'the next order does not call journeys known to have ended');
  assert.ok(second.calls.some((call) => call.workflowId.startsWith('order/')), 'its own journeys still start');

  const { rows: pending } = await database.pool.query(`SELECT id FROM events WHERE customer_id = $1 AND dispatched_at IS NULL`, [c]);
  assert.deepEqual(pending, [], 'every event dispatched');
});

test('a cart updated after its journey ended starts it again, and the order after that reaches it', async () => {
  const c = 'ended2-c';
  await storeEvents(database.pool, [cartUpdated('ended2-1', c)]);
  await relayWith(recordingTemporal()).drain();
  const cartId = (await database.pool.query<{ workflow_id: string }>(`SELECT workflow_id FROM journey_instances WHERE workflow_id LIKE 'abandoned-cart/%' AND workflow_id LIKE $1`, [`%${c}%`])).rows[0].workflow_id;
  // The journey ends; an order finds it closed and forgets it.
  await storeEvents(database.pool, [orderPlaced('ended2-2', c)]);
  await relayWith(recordingTemporal(undefined, undefined, new Set([cartId]))).drain();
  // A new cart starts it again (a start, recorded again); the next order signals it.
  await storeEvents(database.pool, [cartUpdated('ended2-3', c), orderPlaced('ended2-4', c)]);
  const later = recordingTemporal();
  await relayWith(later).drain();
  assert.deepEqual(
    later.calls.filter((call) => call.workflowId === cartId).map((call) => [call.kind, call.eventId]),
    [['signalWithStart', 'ended2-3'], ['signal', 'ended2-4']],
  );
});
