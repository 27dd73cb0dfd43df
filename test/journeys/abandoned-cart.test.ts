import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { abandonedCart } from '../../workflows/abandoned-cart';
import type { ShopEvent } from '../../ingest/event-schemas';
import type { Activities } from '../../activities';
import type { SendMessageInput } from '../../activities/types';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const MINUTE = 60_000;
const config = defaultJourneysConfig.abandonedCart;
const T0 = Date.parse('2026-04-01T10:00:00.000Z');

type Item = { productId: string; title: string; price: number; quantity: number };
const tea: Item = { productId: 'tea', title: 'Sencha', price: 12.5, quantity: 1 };
const pot: Item = { productId: 'pot', title: 'Kyusu', price: 64, quantity: 1 };

/** A cart.updated that happened `minutes` after T0 (occurredAt decides which contents are newest). */
function cartUpdated(customerId: string, id: string, items: Item[], minutes = 0): ShopEvent {
  return {
    id,
    type: 'cart.updated',
    customerId,
    occurredAt: new Date(T0 + minutes * MINUTE).toISOString(),
    properties: { cartId: 'cart-1', cartUrl: `https://shop.example.com/cart/${customerId}`, items },
  };
}
const orderPlaced = (customerId: string, minutes: number): ShopEvent => ({
  id: `order-${customerId}-${minutes}`,
  type: 'order.placed',
  customerId,
  occurredAt: new Date(T0 + minutes * MINUTE).toISOString(),
  properties: { orderId: `o-${customerId}`, total: 12.5, currency: 'EUR', items: [tea] },
});
const checkoutStarted = (customerId: string, minutes: number): ShopEvent => ({
  id: `checkout-${customerId}-${minutes}`,
  type: 'checkout.started',
  customerId,
  occurredAt: new Date(T0 + minutes * MINUTE).toISOString(),
  properties: { cartId: 'cart-1' },
});

const findProducts: Activities['findProducts'] = async (ids) =>
  ids.map((productId) => ({ productId, title: productId, price: 1, currency: 'EUR', url: `https://shop.example.com/p/${productId}`, stock: 5 }));

const titles = (input: SendMessageInput) => (input.data.items as Item[]).map((i) => i.title);

describe('abandoned cart journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  function start(customerId: string, taskQueue: string, first: ShopEvent) {
    return env.client.workflow.signalWithStart(abandonedCart, {
      workflowId: `abandoned-cart/${customerId}`,
      taskQueue,
      args: [{ customerId, config }],
      signal: journeyEventSignal,
      signalArgs: [first],
    });
  }

  test('reminds after 4 hours with the cart, then 20 hours later with a unique discount, then cools down', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const first = cartUpdated('c-full', 'cart-evt-1', [tea, pot]);
      const handle = await start('c-full', taskQueue, first);
      const started = await env.currentTimeMs();
      await handle.result();

      assert.deepEqual(fake.sent.map((s) => s.input.template), ['abandoned-cart', 'abandoned-cart-discount']);
      const [reminder, discount] = fake.sent;
      assert.ok(Math.abs(reminder.at - started - 4 * HOUR) < MINUTE, `first reminder ${(reminder.at - started) / HOUR} h in`);
      assert.ok(Math.abs(discount.at - reminder.at - 20 * HOUR) < MINUTE, 'discount 20 h after the first reminder');
      for (const { input } of fake.sent) {
        assert.equal(input.category, 'marketing');
        assert.equal(input.promotes, true, 'stock is re-checked at send time');
        assert.deepEqual(titles(input), ['Sencha', 'Kyusu']);
        assert.equal(input.data.cartUrl, 'https://shop.example.com/cart/c-full');
        assert.deepEqual((input.data.items as { currency: string }[]).map((i) => i.currency), ['EUR', 'EUR']);
      }
      assert.equal(reminder.input.idempotencyKey, 'abandoned-cart/c-full/first-reminder/cart-evt-1');
      assert.equal(reminder.input.coupon, undefined, 'no discount in the first reminder');
      assert.equal(discount.input.idempotencyKey, 'abandoned-cart/c-full/second-reminder/cart-evt-1');
      assert.deepEqual(discount.input.coupon, {
        key: 'abandoned-cart/c-full/cart-evt-1/discount',
        percentOff: config.discountPercentOff,
        validFor: config.discountValidity,
      });
      const { startTime, closeTime } = await handle.describe();
      const lifetime = closeTime!.getTime() - startTime.getTime();
      assert.ok(Math.abs(lifetime - (4 * HOUR + 7 * DAY)) < MINUTE, 'stays open through the 7-day cooldown, then ends');
    });
  });

  test('sends no reminder when the order arrives at hour 3', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-orders', taskQueue, cartUpdated('c-orders', 'o-1', [tea]));
      await env.sleep(3 * HOUR);
      await handle.signal(journeyEventSignal, orderPlaced('c-orders', 180));
      await handle.result();
      await env.sleep(2 * DAY);
      assert.equal(fake.sent.length, 0);
    });
  });

  test('a cart update at hour 3.5 restarts the 4-hour clock and the reminder shows the new contents', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-reset', taskQueue, cartUpdated('c-reset', 'r-1', [tea]));
      const started = await env.currentTimeMs();
      await env.sleep(3.5 * HOUR);
      await handle.signal(journeyEventSignal, cartUpdated('c-reset', 'r-2', [tea, pot], 210));
      await env.sleep(4 * HOUR - 10 * MINUTE);
      assert.equal(fake.sent.length, 0, 'nothing 3 h 50 min after the update');
      await env.sleep(20 * MINUTE);
      assert.equal(fake.sent.length, 1);
      assert.ok(Math.abs(fake.sent[0].at - started - 7.5 * HOUR) < MINUTE, 'reminder at hour 7.5');
      assert.deepEqual(titles(fake.sent[0].input), ['Sencha', 'Kyusu']);
      await handle.result();
    });
  });

  test('a late, out-of-order update neither overwrites newer contents nor restarts the clock', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-late', taskQueue, cartUpdated('c-late', 'l-2', [pot], 30));
      const started = await env.currentTimeMs();
      await env.sleep(HOUR);
      // happened before the cart we already have; delivered late
      await handle.signal(journeyEventSignal, cartUpdated('c-late', 'l-1', [tea], 10));
      await env.sleep(3 * HOUR + 5 * MINUTE);
      assert.equal(fake.sent.length, 1);
      assert.ok(Math.abs(fake.sent[0].at - started - 4 * HOUR) < MINUTE, 'clock not restarted by the stale update');
      assert.deepEqual(titles(fake.sent[0].input), ['Kyusu']);
      await handle.result();
    });
  });

  test('an emptied cart ends the journey without mail', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-empty', taskQueue, cartUpdated('c-empty', 'e-1', [tea]));
      await env.sleep(2 * HOUR);
      await handle.signal(journeyEventSignal, cartUpdated('c-empty', 'e-2', [], 120));
      await handle.result();
      assert.equal(fake.sent.length, 0);
    });
  });

  test('checkout after the first reminder cancels the discount reminder', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-checkout', taskQueue, cartUpdated('c-checkout', 'k-1', [tea]));
      await env.sleep(10 * HOUR);
      await handle.signal(journeyEventSignal, checkoutStarted('c-checkout', 600));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['abandoned-cart']);
    });
  });

  test('no second series within 7 days: a new abandoned cart on day 3 waits until the cooldown ends', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-again', taskQueue, cartUpdated('c-again', 'a-1', [tea]));
      await env.sleep(5 * HOUR);
      await handle.signal(journeyEventSignal, orderPlaced('c-again', 300));
      await env.sleep(3 * DAY);
      await handle.signal(journeyEventSignal, cartUpdated('c-again', 'a-2', [pot], 3 * 24 * 60 + 300));
      await env.sleep(3 * DAY);
      assert.deepEqual(fake.sent.map((s) => s.input.idempotencyKey), ['abandoned-cart/c-again/first-reminder/a-1']);
      await env.sleep(DAY + HOUR);
      const keys = fake.sent.map((s) => s.input.idempotencyKey);
      assert.deepEqual(keys, ['abandoned-cart/c-again/first-reminder/a-1', 'abandoned-cart/c-again/first-reminder/a-2']);
      const gap = fake.sent[1].at - fake.sent[0].at;
      assert.ok(gap >= 7 * DAY && gap < 7 * DAY + MINUTE, `next series ${gap / DAY} days after the first`);
      assert.deepEqual(titles(fake.sent[1].input), ['Kyusu']);
      await handle.result();
    });
  });

  test('nothing in stock at send time: no discount reminder and no cooldown', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'out_of_stock' }));
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-sold-out', taskQueue, cartUpdated('c-sold-out', 's-1', [tea]));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['abandoned-cart']);
      const { startTime, closeTime } = await handle.describe();
      assert.ok(closeTime!.getTime() - startTime.getTime() < 4 * HOUR + MINUTE, 'ends right after the skipped reminder');
    });
  });

  test('3000 cart updates: continues as new, keeps the latest cart and still reminds 4 hours after the last', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const workflowId = 'abandoned-cart/c-churn';
      const first = await start('c-churn', taskQueue, cartUpdated('c-churn', 'churn-0', [tea]));
      const handle = env.client.workflow.getHandle(workflowId);
      // The series is named by the cart its first task sees: let that task run before the churn.
      await handle.query(stateQuery);
      const total = 3000;
      for (let i = 1; i < total; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, total - i) }, (_, k) => {
            const n = i + k;
            const items = n === total - 1 ? [pot, tea] : [{ ...tea, quantity: (n % 7) + 1 }];
            return handle.signal(journeyEventSignal, cartUpdated('c-churn', `churn-${n}`, items, n / 100));
          }),
        );
      }
      const lastSignalAt = await env.currentTimeMs();
      await env.sleep(4 * HOUR + 5 * MINUTE);
      assert.equal(fake.sent.length, 1, 'exactly one reminder despite 3000 updates');
      assert.ok(Math.abs(fake.sent[0].at - lastSignalAt - 4 * HOUR) < 2 * MINUTE, 'four hours after the last update');
      assert.deepEqual(titles(fake.sent[0].input), ['Kyusu', 'Sencha'], 'the latest contents');
      assert.equal(fake.sent[0].input.idempotencyKey, 'abandoned-cart/c-churn/first-reminder/churn-0');

      const firstRun = await env.client.workflow.getHandle(workflowId, first.signaledRunId).describe();
      assert.equal(firstRun.status.name, 'CONTINUED_AS_NEW');
      const current = await handle.describe();
      assert.notEqual(current.runId, first.signaledRunId);
      assert.ok((current.historyLength ?? 0) < 3000, `current run history ${current.historyLength} events`);
      await handle.result();
    });
  });

  test('a cart update that lands while the reminder is skipped out of stock starts the next series, not lost', async () => {
    let updated = false;
    const fake = fakeSend(env, async (_input, n) => {
      if (n === 1) {
        // The customer swaps the sold-out tea for a teapot while the send path finds nothing in stock.
        await env.client.workflow.getHandle('abandoned-cart/c-swap').signal(journeyEventSignal, cartUpdated('c-swap', 'swap-2', [pot], 300));
        updated = true;
        return { status: 'skipped', reason: 'out_of_stock' };
      }
      return { status: 'sent', messageId: 2, providerMessageId: 'p' };
    });
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-swap', taskQueue, cartUpdated('c-swap', 'swap-1', [tea]));
      await env.sleep(5 * HOUR);
      assert.ok(updated);
      await env.sleep(5 * HOUR);
      assert.deepEqual(fake.sent.map((s) => titles(s.input)), [['Sencha'], ['Kyusu']], 'the teapot cart is reminded');
      await env.client.workflow.getHandle('abandoned-cart/c-swap').signal(journeyEventSignal, orderPlaced('c-swap', 900));
      await handle.result().catch(() => undefined);
      await env.client.workflow.getHandle('abandoned-cart/c-swap').result();
    });
  });
});
