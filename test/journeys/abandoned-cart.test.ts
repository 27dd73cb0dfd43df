import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { JourneysConfigSchema, defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { abandonedCart, type AbandonedCartInput } from '../../workflows/abandoned-cart';
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

  function start(customerId: string, taskQueue: string, first: ShopEvent, historyLimit?: number) {
    return env.client.workflow.signalWithStart(abandonedCart, {
      workflowId: `abandoned-cart/${customerId}`,
      taskQueue,
      args: [{ customerId, config, ...(historyLimit ? { historyLimit } : {}) }],
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
        percentOff: 10,
        validFor: '48 hours',
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

  // A customer who churns the cart thousands of times: with the history limit at 200 (the
  // default is Temporal's suggestion, thousands of events) 600 updates take the same path in a
  // fifth of the time.
  test('600 cart updates under a history limit of 200: continues as new, keeps the latest cart and still reminds 4 hours after the last', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const workflowId = 'abandoned-cart/c-churn';
      const first = await start('c-churn', taskQueue, cartUpdated('c-churn', 'churn-0', [tea]), 200);
      const handle = env.client.workflow.getHandle(workflowId);
      // The series is named by the cart its first task sees: let that task run before the churn.
      await handle.query(stateQuery);
      const total = 600;
      for (let i = 1; i < total; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, total - i) }, (_, k) => {
            const n = i + k;
            const items = n === total - 1 ? [pot, tea] : [{ ...tea, quantity: (n % 7) + 1 }];
            return handle.signal(journeyEventSignal, cartUpdated('c-churn', `churn-${n}`, items, n / 100));
          }),
        );
      }
      // On a starved machine the journey may still be working through the signals (its tasks
      // overrun and are retried): the clock restarts when it takes the last cart in, so wait for that.
      for (;;) {
        const { data } = (await handle.query(stateQuery)) as { data: { items?: number } };
        if (data.items === 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const lastSignalAt = await env.currentTimeMs();
      await env.sleep(4 * HOUR + 5 * MINUTE);
      assert.equal(fake.sent.length, 1, 'exactly one reminder despite 600 updates');
      assert.ok(Math.abs(fake.sent[0].at - lastSignalAt - 4 * HOUR) < 2 * MINUTE, 'four hours after the last update');
      assert.deepEqual(titles(fake.sent[0].input), ['Kyusu', 'Sencha'], 'the latest contents');
      assert.equal(fake.sent[0].input.idempotencyKey, 'abandoned-cart/c-churn/first-reminder/churn-0');

      const firstRun = await env.client.workflow.getHandle(workflowId, first.signaledRunId).describe();
      assert.equal(firstRun.status.name, 'CONTINUED_AS_NEW');
      const current = await handle.describe();
      assert.notEqual(current.runId, first.signaledRunId);
      assert.ok((current.historyLength ?? 0) < 600, `current run history ${current.historyLength} events`);
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

/** The configurable series: 1 to 3 reminders, each with its own delay, offer, step and send window. */
describe('abandoned cart journey with a configured series', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  /** A shop's abandonedCart section, read as the worker reads JOURNEYS_CONFIG_FILE. */
  const configured = (section: object) => JourneysConfigSchema.parse({ abandonedCart: section }).abandonedCart;
  const one = configured({ reminders: [{ after: '2 hours' }] });
  const three = configured({
    reminders: [
      { after: '4 hours' },
      { after: '20 hours', offer: { percentOff: 10, validity: '48 hours' } },
      { after: '2 days', offer: { percentOff: 15, validity: '24 hours' } },
    ],
    sendWindows: { 'third-reminder': 'immediate' },
  });
  /** The section journeys started before `reminders` were given (their inputs still hold it). */
  const { reminders: _list, ...rest } = config;
  const older: AbandonedCartInput['config'] = {
    ...rest,
    sendWindows: { 'first-reminder': 'standard', 'second-reminder': 'standard' },
    firstReminderAfter: '4 hours',
    secondReminderAfter: '20 hours',
    discountPercentOff: 12,
    discountValidity: '48 hours',
  };
  function start(customerId: string, taskQueue: string, series: typeof config, first: ShopEvent) {
    return env.client.workflow.signalWithStart(abandonedCart, {
      workflowId: `abandoned-cart/${customerId}`,
      taskQueue,
      args: [{ customerId, config: series }],
      signal: journeyEventSignal,
      signalArgs: [first],
    });
  }

  test('one reminder: the cart alone after its delay, nothing more, then the cooldown', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-one', taskQueue, one, cartUpdated('c-one', 'one-1', [tea]));
      const started = await env.currentTimeMs();
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => [s.input.step, s.input.template]), [['first-reminder', 'abandoned-cart']]);
      assert.ok(Math.abs(fake.sent[0].at - started - 2 * HOUR) < MINUTE, 'after the configured 2 hours');
      const { startTime, closeTime } = await handle.describe();
      assert.ok(Math.abs(closeTime!.getTime() - startTime.getTime() - (2 * HOUR + 7 * DAY)) < MINUTE, 'cooldown from the one reminder');
    });
  });

  test('one reminder with an offer: the discount template with its own code', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const series = configured({ reminders: [{ after: '4 hours', offer: { percentOff: 5, validity: '12 hours' } }] });
      await (await start('c-one-offer', taskQueue, series, cartUpdated('c-one-offer', 'oo-1', [tea]))).result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['abandoned-cart-discount']);
      assert.deepEqual(fake.sent[0].input.coupon, { key: 'abandoned-cart/c-one-offer/oo-1/discount-1', percentOff: 5, validFor: '12 hours' });
    });
  });

  test('three reminders: cart, discount, then "last chance" with its own code, step, key and send window', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-three', taskQueue, three, cartUpdated('c-three', 'three-1', [tea, pot]));
      const started = await env.currentTimeMs();
      await handle.result();
      assert.deepEqual(
        fake.sent.map((s) => [s.input.step, s.input.template, s.input.sendWindow ?? 'standard']),
        [
          ['first-reminder', 'abandoned-cart', 'standard'],
          ['second-reminder', 'abandoned-cart-discount', 'standard'],
          ['third-reminder', 'abandoned-cart-last-chance', 'immediate'],
        ],
      );
      const [first, second, third] = fake.sent;
      assert.ok(Math.abs(first.at - started - 4 * HOUR) < MINUTE);
      assert.ok(Math.abs(second.at - first.at - 20 * HOUR) < MINUTE);
      assert.ok(Math.abs(third.at - second.at - 2 * DAY) < MINUTE, `third ${(third.at - second.at) / HOUR} h after the second`);
      assert.deepEqual(
        fake.sent.map((s) => s.input.idempotencyKey),
        ['abandoned-cart/c-three/first-reminder/three-1', 'abandoned-cart/c-three/second-reminder/three-1', 'abandoned-cart/c-three/third-reminder/three-1'],
      );
      assert.equal(first.input.coupon, undefined);
      assert.deepEqual(second.input.coupon, { key: 'abandoned-cart/c-three/three-1/discount', percentOff: 10, validFor: '48 hours' });
      assert.deepEqual(third.input.coupon, { key: 'abandoned-cart/c-three/three-1/discount-3', percentOff: 15, validFor: '24 hours' });
      for (const { input } of fake.sent) {
        assert.equal(input.category, 'marketing');
        assert.equal(input.promotes, true);
        assert.deepEqual(titles(input), ['Sencha', 'Kyusu']);
      }
      const { startTime, closeTime } = await handle.describe();
      assert.ok(Math.abs(closeTime!.getTime() - startTime.getTime() - (4 * HOUR + 7 * DAY)) < MINUTE, 'one cooldown counted from the first reminder');
    });
  });

  test('three reminders: an order after the second ends the series without the third', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-three-order', taskQueue, three, cartUpdated('c-three-order', 'to-1', [tea]));
      await env.sleep(30 * HOUR);
      assert.equal(fake.sent.length, 2);
      await handle.signal(journeyEventSignal, orderPlaced('c-three-order', 30 * 60));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.step), ['first-reminder', 'second-reminder']);
    });
  });

  test('three reminders: checkout or an emptied cart before the third ends the series without it', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const checkout = await start('c-three-checkout', taskQueue, three, cartUpdated('c-three-checkout', 'tc-1', [tea]));
      const emptied = await start('c-three-empty', taskQueue, three, cartUpdated('c-three-empty', 'te-1', [tea]));
      await env.sleep(2 * DAY);
      await checkout.signal(journeyEventSignal, checkoutStarted('c-three-checkout', 2 * 24 * 60));
      await emptied.signal(journeyEventSignal, cartUpdated('c-three-empty', 'te-2', [], 2 * 24 * 60));
      await checkout.result();
      await emptied.result();
      const steps = (c: string) => fake.sent.filter((s) => s.input.customerId === c).map((s) => s.input.step);
      assert.deepEqual(steps('c-three-checkout'), ['first-reminder', 'second-reminder']);
      assert.deepEqual(steps('c-three-empty'), ['first-reminder', 'second-reminder']);
    });
  });

  test('three reminders: the third never comes within the first delay of a cart change, and shows the new contents', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const handle = await start('c-three-change', taskQueue, three, cartUpdated('c-three-change', 'tch-1', [tea]));
      await env.sleep(24 * HOUR + 2 * DAY - HOUR); // an hour before the third is due
      assert.equal(fake.sent.length, 2);
      const changedAt = await env.currentTimeMs();
      await handle.signal(journeyEventSignal, cartUpdated('c-three-change', 'tch-2', [tea, pot], 71 * 60));
      await env.sleep(4 * HOUR - 10 * MINUTE);
      assert.equal(fake.sent.length, 2, 'not within 4 hours of the change');
      await env.sleep(20 * MINUTE);
      assert.equal(fake.sent.length, 3);
      assert.ok(Math.abs(fake.sent[2].at - changedAt - 4 * HOUR) < MINUTE, 'four hours after the change');
      assert.deepEqual(titles(fake.sent[2].input), ['Sencha', 'Kyusu']);
      assert.equal(fake.sent[2].input.idempotencyKey, 'abandoned-cart/c-three-change/third-reminder/tch-1', 'still the same series');
      await handle.signal(journeyEventSignal, orderPlaced('c-three-change', 80 * 60));
      await handle.result();
    });
  });

  test('three reminders: a skipped second (frequency cap) still leaves the third, counted from the second', async () => {
    const fake = fakeSend(env, (input) =>
      input.step === 'second-reminder' ? { status: 'skipped', reason: 'frequency_cap' } : { status: 'sent', messageId: 1, providerMessageId: 'p' },
    );
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      await (await start('c-three-capped', taskQueue, three, cartUpdated('c-three-capped', 'tcap-1', [tea]))).result();
      assert.deepEqual(fake.sent.map((s) => s.input.step), ['first-reminder', 'second-reminder', 'third-reminder']);
      assert.ok(Math.abs(fake.sent[2].at - fake.sent[1].at - 2 * DAY) < MINUTE);
    });
  });

  test('a journey started before `reminders` (older keys in its input, state carried without remindersDone) goes on with its second reminder', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const now = await env.currentTimeMs();
      const cart = { eventId: 'old-1', cartUrl: 'https://shop.example.com/cart/c-older', items: [tea], occurredAt: new Date(T0).toISOString() };
      const handle = await env.client.workflow.start(abandonedCart, {
        workflowId: 'abandoned-cart/c-older',
        taskQueue,
        args: [
          {
            customerId: 'c-older',
            config: older,
            // as a run of the previous version carried it: first reminder out 2 hours ago
            carried: { kit: { seenEventIds: ['old-1'] }, state: { cart, abandoned: true, lastChangeAt: now - 6 * HOUR, series: { id: 'old-1', firstReminderAt: now - 2 * HOUR, remindedCartEventId: 'old-1' } } },
          },
        ],
      });
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => [s.input.step, s.input.template]), [['second-reminder', 'abandoned-cart-discount']]);
      assert.ok(Math.abs(fake.sent[0].at - now - 18 * HOUR) < MINUTE, '20 hours after the carried first reminder');
      assert.deepEqual(fake.sent[0].input.coupon, { key: 'abandoned-cart/c-older/old-1/discount', percentOff: 12, validFor: '48 hours' });
    });
  });

  test('a run carried after the second reminder (secondReminderDone) only cools down', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const now = await env.currentTimeMs();
      const cart = { eventId: 'done-1', cartUrl: 'https://shop.example.com/cart/c-older-done', items: [tea], occurredAt: new Date(T0).toISOString() };
      const handle = await env.client.workflow.start(abandonedCart, {
        workflowId: 'abandoned-cart/c-older-done',
        taskQueue,
        args: [
          {
            customerId: 'c-older-done',
            config: older,
            carried: {
              kit: { seenEventIds: ['done-1'] },
              state: { cart, abandoned: true, lastChangeAt: now - 30 * HOUR, series: { id: 'done-1', firstReminderAt: now - DAY, secondReminderDone: true, remindedCartEventId: 'done-1' } },
            },
          },
        ],
      });
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.step), [], 'its series is over');
      const { startTime, closeTime } = await handle.describe();
      assert.ok(Math.abs(closeTime!.getTime() - startTime.getTime() - 6 * DAY) < MINUTE, 'the rest of the cooldown from the carried first reminder');
    });
  });
  test('started by dispatch when the cart was already quiet (held updates): the first reminder at once, with the newest contents', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const customerId = 'c-held';
      const older = cartUpdated(customerId, 'held-1', [tea, pot], 0);
      const newest = cartUpdated(customerId, 'held-2', [pot], 5);
      const started = await env.currentTimeMs();
      // The newest update reached us 4 hours ago; the journey starts only now.
      const heldBack = { events: [older, newest], quietSince: started - 4 * HOUR - MINUTE };
      const handle = await env.client.workflow.signalWithStart(abandonedCart, {
        workflowId: `abandoned-cart/${customerId}`,
        taskQueue,
        args: [{ customerId, config, heldBack }],
        signal: journeyEventSignal,
        signalArgs: [newest],
      });
      await env.sleep(HOUR);
      assert.equal(fake.sent.length, 1, 'the first reminder went out');
      const [reminder] = fake.sent;
      assert.ok(reminder.at - started < MINUTE, `at once, not 4 h after the start (${(reminder.at - started) / MINUTE} min)`);
      assert.deepEqual(titles(reminder.input), ['Kyusu'], 'the newest cart, not the older one');
      assert.equal(reminder.input.idempotencyKey, 'abandoned-cart/c-held/first-reminder/held-2');
      await handle.signal(journeyEventSignal, orderPlaced(customerId, 300));
      await handle.result();
      assert.equal(fake.sent.length, 1, 'the order still ends the series');
    });
  });
  test('a run started with held updates does not copy them into the run it continues as', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, findProducts }, async (taskQueue) => {
      const customerId = 'c-held-continued';
      const held = cartUpdated(customerId, 'held-c1', [tea], 0);
      const started = await env.currentTimeMs();
      const handle = await env.client.workflow.signalWithStart(abandonedCart, {
        workflowId: `abandoned-cart/${customerId}`,
        taskQueue,
        args: [{ customerId, config, historyLimit: 40, heldBack: { events: [held], quietSince: started - 4 * HOUR - MINUTE } }],
        signal: journeyEventSignal,
        signalArgs: [held],
      });
      await env.sleep(HOUR);
      for (let n = 2; n < 40; n++) await handle.signal(journeyEventSignal, cartUpdated(customerId, `held-c${n}`, [pot], n));
      const current = env.client.workflow.getHandle(`abandoned-cart/${customerId}`);
      for (;;) {
        if ((await current.describe()).runId !== handle.signaledRunId) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const history = await current.fetchHistory();
      const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
      const input = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload as never);
      assert.ok(input.carried, 'continued with its state');
      assert.equal('heldBack' in input, false, 'the held events stay in the first run');
      await current.terminate('test done');
    });
  });
});
