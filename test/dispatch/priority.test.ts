import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { cartUpdated as cart, orderPlaced as order } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { dispatchOrder, recordingTemporal } from '../helpers/recording-temporal';

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
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, batchSize: 5, parallelism: 1 });
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
    const relay = new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log, batchSize: 5, parallelism: 1 });
    await relay.drain();
    const all = dispatchOrder(temporal.calls);
    assert.deepEqual(dispatchOrder(temporal.calls, 'pri2-buyer'), ['pri2-own-cart', 'pri2-order'], 'in the customer’s order');
    assert.deepEqual(all.slice(0, 2), ['pri2-own-cart', 'pri2-order'], `the buyer's cart, then their order, went first (${all.slice(0, 3)})`);
  });
});
