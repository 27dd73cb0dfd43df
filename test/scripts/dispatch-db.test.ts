import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultJourneysConfig } from '../../config/journeys';
import { cancelHolds, dueHold, holdStarts, isRecordedAsStarted, releaseHold } from '../../ingest/held-starts';
import { journeyRoutes, type RoutedEvent } from '../../ingest/routes';
import { dispatchDb } from '../../scripts/dispatch-db';

const cart = journeyRoutes.find((r) => r.name === 'abandoned-cart')!;
const cartUpdated = (id: string): RoutedEvent =>
  ({ id, type: 'cart.updated', customerId: 'c1', occurredAt: '2026-01-01T00:00:00.000Z', properties: { cartId: 'k', cartUrl: 'u', items: [{ productId: 'p', title: 't', price: 1, quantity: 1 }] } }) as RoutedEvent;

function fake() {
  let now = 1_000_000;
  const database = dispatchDb({ now: async () => now, shop: () => undefined });
  return { ...database, tick: (ms: number) => (now += ms), now: () => now };
}

test('the fake holds, pushes back, enqueues and releases as held-starts.ts says', async () => {
  const f = fake();
  const after = 4 * 3_600_000;
  await holdStarts(f.db, cartUpdated('e1'), [cart], defaultJourneysConfig, { heldOnly: true });
  assert.equal(f.held.size, 0, 'heldOnly pushes back only a hold that exists');
  await holdStarts(f.db, cartUpdated('e1'), [cart], defaultJourneysConfig);
  f.tick(60_000);
  await holdStarts(f.db, cartUpdated('e2'), [cart], defaultJourneysConfig);
  const dueAt = f.now() + after;
  assert.equal(f.nextDueAt(), dueAt, 'due the quiet time after the newest');
  f.tick(60_000);
  await holdStarts(f.db, cartUpdated('e2'), [cart], defaultJourneysConfig);
  const row = f.held.get('abandoned-cart/c1')!;
  assert.deepEqual(row.events.map((e) => e.id), ['e1', 'e2'], 'a redelivered event is not held twice');
  assert.equal(f.nextDueAt(), dueAt, 'nor does it restart the wait');
  f.tick(-60_000);

  assert.deepEqual(await f.enqueueDue(), [], 'nothing due yet');
  f.tick(after);
  const [due] = await f.enqueueDue();
  assert.match(due.id, /^journey\.due:[0-9a-f-]{36}$/);
  assert.deepEqual(due.properties, { journey: 'abandoned-cart', workflowId: 'abandoned-cart/c1' });
  assert.equal(f.nextDueAt(), undefined, 'a hold a due event names is not enqueued again');
  const hold = await dueHold(f.db, due as never);
  assert.equal(hold?.newest.id, 'e2');
  assert.equal(hold?.heldBack.quietSince, f.now() - after);
  assert.equal(await dueHold(f.db, { ...due, id: 'journey.due:stale' } as never), undefined, 'a stale due event finds no hold');
  assert.equal(await isRecordedAsStarted(f.db, 'abandoned-cart/c1'), false);
  await releaseHold(f.db, due as never, true);
  assert.equal(f.held.size, 0);
  assert.equal(await isRecordedAsStarted(f.db, 'abandoned-cart/c1'), true, 'the started journey is recorded with the release');
});

test('the fake keeps the newest events, cancels holds and tracks journey instances', async () => {
  const f = fake();
  for (let i = 1; i <= 25; i++) await holdStarts(f.db, cartUpdated(`e${i}`), [cart], defaultJourneysConfig);
  assert.deepEqual(f.held.get('abandoned-cart/c1')!.events.map((e) => e.id), Array.from({ length: 20 }, (_, i) => `e${i + 6}`));
  await cancelHolds(f.db, ['abandoned-cart/c1']);
  assert.equal(f.held.size, 0);

  f.recordStarted(['welcome/c1']);
  const { rows } = await f.db.query('SELECT workflow_id FROM journey_instances WHERE workflow_id = ANY($1) UNION ALL SELECT NULL FROM journey_untracked_customers WHERE customer_id = $2', [['welcome/c1', 'order/o1'], 'c1']);
  assert.deepEqual(rows, [{ workflow_id: 'welcome/c1' }]);
  await f.db.query('DELETE FROM journey_instances WHERE workflow_id = $1', ['welcome/c1']);
  assert.equal(f.instances.size, 0);
  await assert.rejects(f.db.query('SELECT 1 FROM somewhere', []), /no answer to: SELECT 1 FROM somewhere/);
});
