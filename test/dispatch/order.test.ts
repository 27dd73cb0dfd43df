import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Client as PgClient } from 'pg';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { cartUpdated as cart, orderPlaced as order, customerCreated as signup } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { dispatchOrder, recordingTemporal, type RecordedCall } from '../helpers/recording-temporal';

// Cart updates start their journeys at once here (holdUntilQuiet: false): these tests read the
// Temporal calls each event makes. Holding them until quiet is tested in held-starts.test.ts.
const log = pino({ level: 'silent' });

describe("dispatch keeps each customer's events in order", () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  const relayWith = (temporal: ReturnType<typeof recordingTemporal>, extra: Record<string, unknown> = {}) =>
    new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, ...extra });

  test("a failed event holds back its customer's later events, not other customers'", async () => {
    let failFirst = true;
    const temporal = recordingTemporal((call: RecordedCall) => {
      if (call.eventId === 'ord-cart-1' && failFirst) {
        failFirst = false;
        return new Error('temporary rejection');
      }
      return undefined;
    });
    await storeEvents(database.pool, [cart('ord-cart-1', 'ord-c')]);
    await relayWith(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ord-c'), [], 'the first attempt failed');

    // Posted while the cart event waits for its retry: the order must not overtake it.
    await storeEvents(database.pool, [order('ord-order-1', 'ord-c'), cart('ord-other-1', 'ord-d')]);
    await relayWith(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ord-c'), [], 'nothing of ord-c goes while its first event waits');
    assert.deepEqual(dispatchOrder(temporal.calls, 'ord-d'), ['ord-other-1'], 'another customer does not wait');

    await database.pool.query(`UPDATE events SET next_attempt_at = now() WHERE id = 'ord-cart-1'`);
    await relayWith(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ord-c'), ['ord-cart-1', 'ord-order-1']);
  });

  test('an event committed later than a newer one of the same customer is still dispatched first', async () => {
    const temporal = recordingTemporal();
    // Hold the customer's profile row: the sign-up's projection waits inside its transaction,
    // after its row is inserted, like a slow API replica.
    await storeEvents(database.pool, [{ type: 'customer.updated', customerId: 'ord-slow', properties: { email: 'slow@example.com' } }]);
    await relayWith(temporal).drain();
    temporal.calls.length = 0;
    const blocker = new PgClient({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM customers WHERE id = 'ord-slow' FOR UPDATE`);
    const waiting = () =>
      database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`).then((r) => r.rows[0].n);

    const first = storeEvents(database.pool, [signup('ord-signup', 'ord-slow')]);
    while ((await waiting()) < 1) await new Promise((r) => setTimeout(r, 20));
    let secondDone = false;
    const second = storeEvents(database.pool, [cart('ord-cart-after-signup', 'ord-slow')]).then(() => {
      secondDone = true;
    });
    // Either the second insert commits at once (it has no projection) or it waits its turn.
    while (!secondDone && (await waiting()) < 2) await new Promise((r) => setTimeout(r, 20));
    await relayWith(temporal).drain();

    await blocker.query('COMMIT');
    await blocker.end();
    await Promise.all([first, second]);
    await relayWith(temporal).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ord-slow'), ['ord-signup', 'ord-cart-after-signup']);
  });

  test('several relays at once keep one customer in order', async () => {
    // Every call takes a moment, so relays that claimed different events of one customer overlap.
    const temporal = recordingTemporal();
    const slow = recordingTemporal();
    const inner = temporal.client.workflow;
    (slow.client as unknown as { workflow: unknown }).workflow = {
      signalWithStart: async (...args: Parameters<typeof inner.signalWithStart>) => {
        await new Promise((r) => setTimeout(r, 15));
        return inner.signalWithStart(...args);
      },
      getHandle: (id: string) => {
        const h = inner.getHandle(id);
        return { workflowId: id, signal: async (...a: Parameters<typeof h.signal>) => (await new Promise((r) => setTimeout(r, 15)), h.signal(...a)) };
      },
    };
    const ids = Array.from({ length: 12 }, (_, i) => `ord-many-${String(i).padStart(2, '0')}`);
    await storeEvents(database.pool, ids.map((id) => cart(id, 'ord-many')));
    await Promise.all([1, 2, 3].map(() => relayWith(slow, { batchSize: 3 }).drain()));
    for (let i = 0; i < 5; i++) await relayWith(slow, { batchSize: 3 }).drain();
    assert.deepEqual(dispatchOrder(temporal.calls, 'ord-many'), ids);
  });
});
