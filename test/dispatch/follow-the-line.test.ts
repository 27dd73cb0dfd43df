import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { cartUpdated as cart } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { dispatchOrder, recordingTemporal } from '../helpers/recording-temporal';

// Cart updates start their journeys at once here (holdUntilQuiet: false): these tests read the
// Temporal calls each event makes. Holding them until quiet is tested in held-starts.test.ts.
const log = pino({ level: 'silent' });

describe("a slot goes on down its customer's line", () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  test("a customer's later events follow their first at once, ahead of customers claimed after them", async () => {
    // Posted interleaved: a's line, b's line. A claim by seq alone would alternate a, b, a, b.
    await storeEvents(database.pool, [cart('fl-a-1', 'fl-a'), cart('fl-b-1', 'fl-b')]);
    await storeEvents(database.pool, [cart('fl-a-2', 'fl-a'), cart('fl-b-2', 'fl-b')]);
    await storeEvents(database.pool, [cart('fl-a-3', 'fl-a')]);
    const temporal = recordingTemporal();
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, batchSize: 1, parallelism: 1 });
    await relay.drain();
    assert.deepEqual(dispatchOrder(temporal.calls), ['fl-a-1', 'fl-a-2', 'fl-a-3', 'fl-b-1', 'fl-b-2']);
    const { rows } = await database.pool.query(`SELECT count(*)::int AS n FROM events WHERE customer_id LIKE 'fl-%' AND (dispatched_at IS NULL OR leased_until IS NOT NULL)`);
    assert.equal(rows[0].n, 0, 'every event dispatched, no lease left behind');
  });

  test('a customer posting without pause gives the slot back after a bounded run', async () => {
    // b posts once, just after a's first event; a goes on posting.
    await storeEvents(database.pool, [cart('fl2-a-0', 'fl2-a'), cart('fl2-b-1', 'fl2-b')]);
    await storeEvents(database.pool, Array.from({ length: 39 }, (_, i) => cart(`fl2-a-${i + 1}`, 'fl2-a')));
    const temporal = recordingTemporal();
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, batchSize: 1, parallelism: 1 });
    await relay.drain();
    const all = dispatchOrder(temporal.calls);
    assert.equal(all.length, 41);
    const b = all.indexOf('fl2-b-1');
    assert.ok(b > 1 && b <= 16, `the other customer waited for a bounded run of a's, not the whole line (position ${b})`);
    assert.deepEqual(dispatchOrder(temporal.calls, 'fl2-a'), Array.from({ length: 40 }, (_, i) => `fl2-a-${i}`), "in the customer's order");
  });

  test('a failed dispatch ends the run: the next event of that customer waits for the retry', async () => {
    await storeEvents(database.pool, [cart('fl3-a-1', 'fl3-a'), cart('fl3-a-2', 'fl3-a')]);
    const temporal = recordingTemporal((call) => (call.eventId === 'fl3-a-1' ? new Error('boom') : undefined));
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, batchSize: 1, parallelism: 1 });
    await relay.drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'fl3-a'), [], 'nothing of the customer reached Temporal');
    const { rows } = await database.pool.query(`SELECT id, dispatched_at, leased_until FROM events WHERE customer_id = 'fl3-a' ORDER BY seq`);
    assert.deepEqual(rows.map((r) => [r.id, r.dispatched_at, r.leased_until]), [['fl3-a-1', null, null], ['fl3-a-2', null, null]]);
  });
});
