import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { cartUpdated as cart, orderPlaced as order } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { dispatchOrder, recordingTemporal } from '../helpers/recording-temporal';

// Cart updates start their journeys at once here (holdUntilQuiet: false): these tests read the
// Temporal calls each event makes. Holding them until quiet is tested in held-starts.test.ts.
const log = pino({ level: 'silent' });

describe('transactional events go ahead of the marketing backlog', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  test("an order and a sign-up posted behind other customers' carts are dispatched first", async () => {
    const backlog = Array.from({ length: 40 }, (_, i) => cart(`pri-cart-${i}`, `pri-m-${i}`));
    await storeEvents(database.pool, backlog);
    await storeEvents(database.pool, [order('pri-order', 'pri-buyer')]);
    await storeEvents(database.pool, [
      { id: 'pri-signup', type: 'customer.created', customerId: 'pri-new', properties: { email: 'new@example.com' } },
    ]);
    const temporal = recordingTemporal();
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, batchSize: 5, parallelism: 1 });
    await relay.drain();
    const order_ = dispatchOrder(temporal.calls);
    assert.equal(order_.length, 42, 'everything is dispatched in the end');
    // One customer at a time: the calls follow the claims exactly.
    assert.deepEqual(order_.slice(0, 2).sort(), ['pri-order', 'pri-signup'], `the order and the sign-up went first (${order_.slice(0, 3)})`);
  });

  test("a customer's own earlier marketing event goes first, then their order, both ahead of the backlog", async () => {
    await storeEvents(database.pool, Array.from({ length: 40 }, (_, i) => cart(`pri2-cart-${i}`, `pri2-m-${i}`)));
    await storeEvents(database.pool, [cart('pri2-own-cart', 'pri2-buyer')]);
    await storeEvents(database.pool, [order('pri2-order', 'pri2-buyer')]);
    const temporal = recordingTemporal();
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, batchSize: 5, parallelism: 1 });
    await relay.drain();
    const all = dispatchOrder(temporal.calls);
    assert.deepEqual(dispatchOrder(temporal.calls, 'pri2-buyer'), ['pri2-own-cart', 'pri2-order'], 'in the customer’s order');
    assert.deepEqual(all.slice(0, 2), ['pri2-own-cart', 'pri2-order'], `the buyer's cart, then their order, went first (${all.slice(0, 3)})`);
  });

  test('an order posted while marketing calls hold every other slot starts at once, in a reserved slot', async () => {
    // A saturated Temporal: marketing calls do not return until the gate opens.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const temporal = recordingTemporal(undefined, (call) => (call.customerId.startsWith('pri3-m-') ? gate : undefined));
    await storeEvents(database.pool, Array.from({ length: 40 }, (_, i) => cart(`pri3-cart-${i}`, `pri3-m-${i}`)));
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false, batchSize: 100, parallelism: 8 });
    const pass = relay.drain();
    try {
      const begunCarts = () => temporal.begun.filter((c) => c.customerId.startsWith('pri3-m-')).length;
      await until(() => begunCarts() >= 6, 'marketing calls in flight');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(begunCarts(), 6, 'marketing fills at most three quarters of the slots');

      await storeEvents(database.pool, [order('pri3-order', 'pri3-buyer')]);
      relay.nudge(0);
      await until(() => temporal.calls.some((c) => c.eventId === 'pri3-order'), 'the order dispatched while marketing is stuck');
      assert.equal(temporal.calls.filter((c) => c.customerId.startsWith('pri3-m-')).length, 0, 'no marketing call had returned');
    } finally {
      open();
      await pass;
    }
    assert.equal(dispatchOrder(temporal.calls).length, 41);
  });

  test('a transactional journey starts with the first priority in its task queue, marketing with the default', async () => {
    await storeEvents(database.pool, [cart('pri4-cart', 'pri4-c'), order('pri4-order', 'pri4-c')]);
    const temporal = recordingTemporal();
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, holdUntilQuiet: false });
    await relay.drain();
    const starts = temporal.calls.filter((c) => c.kind === 'signalWithStart' && c.customerId === 'pri4-c');
    assert.deepEqual(
      starts.map((c) => [c.workflowId.split('/')[0], c.priorityKey]).sort(),
      [['abandoned-cart', 3], ['order', 1], ['post-purchase', 3], ['win-back', 3]],
    );
  });
});

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
