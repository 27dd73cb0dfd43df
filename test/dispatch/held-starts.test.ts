import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultJourneysConfig, type JourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { rowToEvent, storeEvents, type IncomingEvent } from '../../ingest/store';
import { dispatchEvent } from '../../ingest/dispatch';
import { dispatchHealth } from '../../ingest/dead-letters';
import { cartUpdated, customerCreated, orderPlaced } from '../helpers/shop-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { recordingTemporal } from '../helpers/recording-temporal';
import type { HeldBack } from '../../workflows/kit';

const log = pino({ level: 'silent' });
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

/** A first reminder 1 hour after the last cart change: long enough that nothing is due by itself. */
const journeys: JourneysConfig = {
  ...defaultJourneysConfig,
  abandonedCart: { ...defaultJourneysConfig.abandonedCart, reminders: [{ ...defaultJourneysConfig.abandonedCart.reminders[0], after: '1 hour' }] },
};
const relayWith = (temporal: ReturnType<typeof recordingTemporal>, holdUntilQuiet = true) =>
  new EventRelay({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys, log, holdUntilQuiet });

const held = async (customerId: string) =>
  (
    await database.pool.query<{ workflow_id: string; events: { id: string }[]; due_at: Date; quiet_since: Date }>(
      'SELECT workflow_id, events, due_at, quiet_since FROM held_starts WHERE customer_id = $1',
      [customerId],
    )
  ).rows;
/** The wait is over: as if the hour had passed since the newest cart update. */
const makeDue = (customerId: string) =>
  database.pool.query(`UPDATE held_starts SET due_at = now() - interval '1 second', quiet_since = now() - interval '1 hour 1 second' WHERE customer_id = $1`, [customerId]);
const calledFor = (t: ReturnType<typeof recordingTemporal>, prefix: string) => t.calls.filter((c) => c.workflowId.startsWith(prefix));
const pendingOf = async (customerId: string) =>
  (await database.pool.query('SELECT id FROM events WHERE customer_id = $1 AND dispatched_at IS NULL', [customerId])).rowCount;

test('cart updates make no Temporal call while the cart is active; the wait restarts with each one', async () => {
  const c = 'held-active';
  await storeEvents(database.pool, [cartUpdated('held-a1', c)]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  const [first] = await held(c);
  await storeEvents(database.pool, [cartUpdated('held-a2', c), cartUpdated('held-a3', c)]);
  await relayWith(temporal).drain();

  assert.deepEqual(calledFor(temporal, 'abandoned-cart/'), [], 'no workflow for a cart still being edited');
  const [row] = await held(c);
  assert.equal(row.workflow_id, `abandoned-cart/${c}`);
  assert.deepEqual(row.events.map((e) => e.id), ['held-a1', 'held-a2', 'held-a3'], 'the updates are held in line order');
  assert.ok(row.due_at > first.due_at, 'a later update pushes the due time back');
  assert.ok(row.due_at.getTime() - row.quiet_since.getTime() === 3_600_000, 'due one hour (the first reminder) after the newest update');
  assert.equal(await pendingOf(c), 0, 'the updates are dispatched (held), not left pending');
});

test('an order before the first reminder is due cancels the hold: the cart never reaches Temporal', async () => {
  const c = 'held-bought';
  await storeEvents(database.pool, [cartUpdated('held-b1', c), orderPlaced('held-b2', c)]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  assert.deepEqual(
    (await held(c)).map((r) => [r.workflow_id, r.events.map((e) => e.id)]),
    [[`win-back/${c}`, ['held-b2']]],
    'the order cancelled the held cart journey; win-back holds the order for its 90 days',
  );
  assert.deepEqual(calledFor(temporal, 'abandoned-cart/'), [], 'no call for the cart, not even the order signal');
  assert.deepEqual(calledFor(temporal, 'win-back/'), [], 'no win-back workflow asleep for 90 days');
  assert.ok(calledFor(temporal, 'order/').length === 1, 'the order journey starts as always');
});

test('each order pushes the held win-back back; no call until 90 days without one', async () => {
  const c = 'held-orders';
  await storeEvents(database.pool, [orderPlaced('held-w1', c)]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  const [first] = await held(c);
  await storeEvents(database.pool, [orderPlaced('held-w2', c)]);
  await relayWith(temporal).drain();
  const [row] = await held(c);
  assert.deepEqual(row.events.map((e) => e.id), ['held-w1', 'held-w2']);
  assert.ok(row.due_at > first.due_at);
  assert.equal(row.due_at.getTime() - row.quiet_since.getTime(), 90 * 86_400_000, 'due 90 days (winBack.firstAfter) after the newest order');
  assert.deepEqual(calledFor(temporal, 'win-back/'), []);
});

test('when the wait is over the journey starts once, in its line, with every held update and the quiet clock of the newest', async () => {
  const c = 'held-due';
  await storeEvents(database.pool, [cartUpdated('held-d1', c), cartUpdated('held-d2', c)]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  await makeDue(c);
  const quietSince = (await held(c))[0].quiet_since.getTime();
  await relayWith(temporal).drain();

  const starts = calledFor(temporal, 'abandoned-cart/');
  assert.deepEqual(starts.map((s) => [s.kind, s.eventId]), [['signalWithStart', 'held-d2']], 'one start, signalled with the newest update');
  const input = temporal.inputs.find((i) => i.workflowId === `abandoned-cart/${c}`)!.input as { customerId: string; heldBack: HeldBack };
  assert.equal(input.customerId, c);
  assert.deepEqual(input.heldBack.events.map((e) => e.id), ['held-d1', 'held-d2']);
  assert.equal(input.heldBack.quietSince, quietSince);
  assert.deepEqual(await held(c), [], 'the hold is done');
  const instances = await database.pool.query('SELECT 1 FROM journey_instances WHERE workflow_id = $1', [`abandoned-cart/${c}`]);
  assert.equal(instances.rowCount, 1, 'recorded as started: the next update signals the running journey');

  await storeEvents(database.pool, [cartUpdated('held-d3', c), orderPlaced('held-d4', c)]);
  await relayWith(temporal).drain();
  assert.deepEqual(
    calledFor(temporal, 'abandoned-cart/').map((s) => [s.kind, s.eventId]),
    [['signalWithStart', 'held-d2'], ['signal', 'held-d3'], ['signal', 'held-d4']],
    'a running journey takes the events as signals',
  );
  assert.equal(await pendingOf(c), 0);
});

test('an order stored before the due event is dispatched first: the stale due event starts nothing', async () => {
  const c = 'held-race';
  await storeEvents(database.pool, [cartUpdated('held-r1', c)]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  // The order is stored (not dispatched yet: Temporal down, a backlog) when the wait ends.
  await storeEvents(database.pool, [orderPlaced('held-r2', c)]);
  await makeDue(c);
  assert.equal((await database.pool.query('SELECT journeys_enqueue_due_starts(10) AS n')).rows[0].n >= 1, true);
  const line = await database.pool.query<{ type: string }>('SELECT type FROM events WHERE customer_id = $1 AND dispatched_at IS NULL ORDER BY seq', [c]);
  assert.deepEqual(line.rows.map((r) => r.type), ['order.placed', 'journey.due'], 'the due event joins the line behind the order');
  await relayWith(temporal).drain();
  assert.deepEqual(calledFor(temporal, 'abandoned-cart/'), [], 'no reminder journey for a cart that was bought');
  assert.equal(await pendingOf(c), 0);
});

test('pausing the journey: a customer held in it is in it (starts when due, its send then skipped); a new cart is not held', async () => {
  const inside = 'held-paused-in';
  const fresh = 'held-paused-new';
  await storeEvents(database.pool, [cartUpdated('held-p1', inside)]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  await database.pool.query(`INSERT INTO journey_controls (journey, paused, forced) VALUES ('abandoned-cart', true, false)`);
  try {
    const before = (await held(inside))[0];
    await storeEvents(database.pool, [cartUpdated('held-p2', inside), cartUpdated('held-p3', fresh)]);
    await relayWith(temporal).drain();
    const after = (await held(inside))[0];
    assert.deepEqual(after.events.map((e) => e.id), ['held-p1', 'held-p2'], 'an update while paused still reaches the held journey');
    assert.ok(after.due_at > before.due_at, 'and pushes its wait back');
    assert.deepEqual(await held(fresh), [], 'a paused journey takes no one new');
    await makeDue(inside);
    await relayWith(temporal).drain();
  } finally {
    await database.pool.query(`DELETE FROM journey_controls WHERE journey = 'abandoned-cart'`);
  }
  assert.deepEqual(calledFor(temporal, 'abandoned-cart/').map((s) => [s.kind, s.eventId]), [['signalWithStart', 'held-p2']]);
  assert.deepEqual(await held(inside), []);
  assert.equal(await pendingOf(inside), 0);
});

test('with holding off, the first update starts the workflow as before', async () => {
  const c = 'held-off';
  await storeEvents(database.pool, [cartUpdated('held-o1', c)]);
  const temporal = recordingTemporal();
  await relayWith(temporal, false).drain();
  assert.deepEqual(calledFor(temporal, 'abandoned-cart/').map((s) => [s.kind, s.eventId]), [['signalWithStart', 'held-o1']]);
  assert.deepEqual(await held(c), []);
});

test('views are held for the browse journey and reach it together, the latest last; a cart ends them', async () => {
  const viewer = 'held-viewer';
  const view = (id: string, productId: string): IncomingEvent => ({ id, type: 'product.viewed', customerId: viewer, properties: { productId } });
  await storeEvents(database.pool, [customerCreated('held-v0', viewer)]);
  await relayWith(recordingTemporal()).drain();
  await storeEvents(database.pool, [view('held-v1', 'p-1'), view('held-v2', 'p-2')]);
  const temporal = recordingTemporal();
  await relayWith(temporal).drain();
  assert.deepEqual(calledFor(temporal, 'browse-abandonment/'), []);
  assert.deepEqual((await held(viewer)).map((r) => r.events.map((e) => e.id)), [['held-v1', 'held-v2']]);
  // An emptied cart does not end browsing (the journey ignores it); a cart with something in it does.
  await storeEvents(database.pool, [{ ...cartUpdated('held-v3', viewer), properties: { cartId: 'c', cartUrl: 'https://shop.example.com/cart', items: [] } }]);
  await relayWith(temporal).drain();
  assert.equal((await held(viewer)).filter((r) => r.workflow_id.startsWith('browse-abandonment/')).length, 1, 'an emptied cart leaves the views held');
  await storeEvents(database.pool, [cartUpdated('held-v4', viewer)]);
  await relayWith(temporal).drain();
  assert.deepEqual((await held(viewer)).filter((r) => r.workflow_id.startsWith('browse-abandonment/')), [], 'a cart ends the browsing before the email');
});

test('a due event redelivered after its completion was lost: the started journey is still recorded, and hears the next events', async () => {
  const c = 'held-lost';
  const temporal = recordingTemporal();
  await storeEvents(database.pool, [cartUpdated('held-l1', c)]);
  await relayWith(temporal).drain();
  await makeDue(c);
  await database.pool.query('SELECT journeys_enqueue_due_starts(10)');
  const { rows } = await database.pool.query(`SELECT * FROM events WHERE customer_id = $1 AND type = 'journey.due'`, [c]);
  // A relay delivers the due event and dies before recording it; the lease runs out and another redelivers it.
  await dispatchEvent({ db: database.pool, client: temporal.client, taskQueue: 'q', journeys }, rowToEvent(rows[0]) as never, rows[0].received_at);
  await relayWith(temporal).drain();
  await storeEvents(database.pool, [cartUpdated('held-l2', c), orderPlaced('held-l3', c)]);
  await relayWith(temporal).drain();
  assert.deepEqual(
    calledFor(temporal, 'abandoned-cart/').map((s) => [s.kind, s.eventId]),
    [['signalWithStart', 'held-l1'], ['signal', 'held-l2'], ['signal', 'held-l3']],
    'the running journey hears the update and the order',
  );
  assert.deepEqual((await held(c)).filter((r) => r.workflow_id.startsWith('abandoned-cart/')), [], 'the update was not held beside it');
});

test('holding switched off while a cart is held: the direct start leaves no hold to start after the order', async () => {
  const c = 'held-toggle';
  const temporal = recordingTemporal();
  await storeEvents(database.pool, [cartUpdated('held-t1', c)]);
  await relayWith(temporal).drain();
  await storeEvents(database.pool, [cartUpdated('held-t2', c), orderPlaced('held-t3', c)]);
  await relayWith(temporal, false).drain();
  assert.deepEqual((await held(c)).filter((r) => r.workflow_id.startsWith('abandoned-cart/')), [], 'no hold left');
  // And a hold some older replica left beside a recorded journey is released, not started.
  await database.pool.query(
    `INSERT INTO held_starts (workflow_id, journey, customer_id, events, quiet_since, due_at)
     VALUES ($1, 'abandoned-cart', $2, jsonb_build_array($3::jsonb), now() - interval '2 hours', now() - interval '1 hour')`,
    [`abandoned-cart/${c}`, c, JSON.stringify({ id: 'held-t0', type: 'cart.updated', customerId: c, occurredAt: new Date().toISOString(), properties: {} })],
  );
  await relayWith(temporal).drain();
  assert.deepEqual(temporal.inputs.filter((i) => (i.input as { heldBack?: unknown }).heldBack), [], 'no start with held events after the order');
  assert.deepEqual((await held(c)).filter((r) => r.workflow_id.startsWith('abandoned-cart/')), []);
});

test('a due event an older replica marked done without a start is due again a minute later; a dead-lettered one shows as overdue', async () => {
  const c = 'held-old-replica';
  const temporal = recordingTemporal();
  await storeEvents(database.pool, [cartUpdated('held-x1', c)]);
  await relayWith(temporal).drain();
  await makeDue(c);
  await database.pool.query('SELECT journeys_enqueue_due_starts(10)');
  const due = await database.pool.query<{ id: string }>(`SELECT id FROM events WHERE customer_id = $1 AND type = 'journey.due'`, [c]);
  assert.match(due.rows[0].id, /^journey\.due:[0-9a-f-]{36}$/, 'an opaque id: no customer id inside an event id');
  // An older replica knows no route for it: "dispatched", nothing started.
  await database.pool.query(`SELECT journeys_complete_events(ARRAY[$1], ARRAY[]::text[])`, [due.rows[0].id]);
  await database.pool.query(`UPDATE held_starts SET due_at = now() - interval '2 minutes' WHERE customer_id = $1`, [c]);
  await relayWith(temporal).drain();
  assert.deepEqual(calledFor(temporal, 'abandoned-cart/').map((s) => [s.kind, s.eventId]), [['signalWithStart', 'held-x1']], 'started by a new due event');

  const d = 'held-dead-due';
  const refuse = recordingTemporal((call) => (call.workflowId === `abandoned-cart/${d}` ? new Error('INVALID_ARGUMENT: refused') : undefined));
  await storeEvents(database.pool, [cartUpdated('held-y1', d)]);
  await relayWith(refuse).drain();
  await makeDue(d);
  await new EventRelay({ db: database.pool, client: refuse.client, taskQueue: 'q', journeys, log, maxAttempts: 1 }).drain();
  const health = await dispatchHealth(database.pool);
  assert.ok(health.heldOverdueSeconds > 0, 'a hold whose due event is dead-lettered counts as overdue');
  assert.equal(health.deadLettered >= 1, true, 'and its due event is a dead letter, to be retried');
});

test("a cart after the previous run ended by itself: told as a running journey would be, then held when it turns out ended", async () => {
  const c = 'held-reopened';
  await storeEvents(database.pool, [cartUpdated('held-z1', c)]);
  await relayWith(recordingTemporal()).drain();
  await makeDue(c);
  await relayWith(recordingTemporal()).drain();
  // The run sent its reminders and ended after its cooldown; journey_instances still lists it.
  const ended = recordingTemporal(undefined, undefined, new Set([`abandoned-cart/${c}`]));
  await storeEvents(database.pool, [cartUpdated('held-z2', c)]);
  await relayWith(ended).drain();
  assert.deepEqual(ended.begun.filter((s) => s.workflowId.startsWith('abandoned-cart/')).map((s) => [s.kind, s.eventId]), [['signal', 'held-z2']]);
  assert.deepEqual((await held(c)).map((r) => r.events.map((e) => e.id)), [['held-z2']], 'held: the new cart waits for quiet again');
  const later = recordingTemporal();
  await storeEvents(database.pool, [{ id: 'held-z3', type: 'checkout.started', customerId: c, properties: { cartId: 'k' } }]);
  await relayWith(later).drain();
  assert.deepEqual(calledFor(later, 'abandoned-cart/'), [], 'the checkout cancels the new hold without a call');
  assert.deepEqual(await held(c), []);
});

test('a view while browse abandonment is paused pushes the held views back; it does not cancel them', async () => {
  const viewer = 'held-paused-viewer';
  const view = (id: string): IncomingEvent => ({ id, type: 'product.viewed', customerId: viewer, properties: { productId: 'p-1' } });
  await storeEvents(database.pool, [customerCreated('held-pv0', viewer), view('held-pv1')]);
  await relayWith(recordingTemporal()).drain();
  await database.pool.query(`INSERT INTO journey_controls (journey, paused, forced) VALUES ('browse-abandonment', true, false)`);
  try {
    await storeEvents(database.pool, [view('held-pv2')]);
    await relayWith(recordingTemporal()).drain();
  } finally {
    await database.pool.query(`DELETE FROM journey_controls WHERE journey = 'browse-abandonment'`);
  }
  assert.deepEqual((await held(viewer)).filter((r) => r.workflow_id.startsWith('browse-abandonment/')).map((r) => r.events.map((e) => e.id)), [['held-pv1', 'held-pv2']]);
});
