import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { browseAbandonmentWorkflowId, journeyEventSignal, stateQuery } from '../../workflows/messages';
import { browseAbandonment } from '../../workflows/browse-abandonment';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const MINUTE = 60_000;
const config = defaultJourneysConfig.browseAbandonment;
const card = (productId: string) => ({ productId, title: productId, price: 10, currency: 'EUR', url: `https://shop.example.com/p/${productId}` });
/** In stock: everything but 'sold-out'; related: 'cups'. */
const browsedProducts: Activities['browsedProducts'] = async ({ productIds, maxViewed }) => ({
  items: productIds.filter((id) => id !== 'sold-out').slice(0, maxViewed).map(card),
  related: [card('cups')],
});

describe('browse abandonment journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  let n = 0;
  const ev = async (customerId: string, type: ShopEvent['type'], properties: Record<string, unknown>): Promise<ShopEvent> =>
    ({ id: `evt-${++n}`, type, customerId, occurredAt: new Date(await env.currentTimeMs()).toISOString(), properties }) as ShopEvent;
  const viewed = (customerId: string, productId: string) => ev(customerId, 'product.viewed', { productId });
  async function start(customerId: string, taskQueue: string, productId = 'kyusu') {
    return env.client.workflow.signalWithStart(browseAbandonment, {
      workflowId: browseAbandonmentWorkflowId(customerId),
      taskQueue,
      args: [{ customerId, config }],
      signal: journeyEventSignal,
      signalArgs: [await viewed(customerId, productId)],
    });
  }

  test('2 hours after the latest view: one email with the viewed products (latest first) and related ones; then 7 days of quiet', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, browsedProducts }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-browse', taskQueue, 'kyusu');
      await env.sleep(90 * MINUTE);
      await handle.signal(journeyEventSignal, await viewed('c-browse', 'sencha'));
      await env.sleep(3 * HOUR);
      assert.equal(fake.sent.length, 1);
      const [email] = fake.sent;
      const gap = email.at - (t0 + 90 * MINUTE);
      assert.ok(gap >= 2 * HOUR && gap < 2 * HOUR + 10 * MINUTE, `2 h after the latest view (${gap / MINUTE} min)`);
      assert.equal(email.input.template, 'browse-abandonment');
      assert.equal(email.input.category, 'marketing');
      assert.equal(email.input.onCap, 'skip', 'respects the cap by skipping');
      assert.equal(email.input.promotes, true, 'stock re-checked at send');
      assert.deepEqual((email.input.data.items as { productId: string }[]).map((i) => i.productId), ['sencha', 'kyusu']);
      assert.deepEqual((email.input.data.related as { productId: string }[]).map((i) => i.productId), ['cups']);
      // Views during the cooldown send nothing; the journey ends 7 days after the email.
      await handle.signal(journeyEventSignal, await viewed('c-browse', 'cups'));
      await handle.result();
      assert.equal(fake.sent.length, 1, 'at most one per 7 days');
      assert.ok((await env.currentTimeMs()) - email.at >= 7 * DAY);
    });
  });

  test('started by dispatch when the customer was already quiet (held views): the email at once, with every view, the latest first', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, browsedProducts }, async (taskQueue) => {
      const customerId = 'c-browse-held';
      const views = [await viewed(customerId, 'kyusu'), await viewed(customerId, 'sencha'), await viewed(customerId, 'kyusu')];
      const started = await env.currentTimeMs();
      const handle = await env.client.workflow.signalWithStart(browseAbandonment, {
        workflowId: browseAbandonmentWorkflowId(customerId),
        taskQueue,
        args: [{ customerId, config, heldBack: { events: views, quietSince: started - 2 * HOUR - MINUTE } }],
        signal: journeyEventSignal,
        signalArgs: [views[2]],
      });
      await env.sleep(HOUR);
      assert.equal(fake.sent.length, 1);
      const [email] = fake.sent;
      assert.ok(email.at - started < MINUTE, `at once (${(email.at - started) / MINUTE} min after the start)`);
      assert.deepEqual((email.input.data.items as { productId: string }[]).map((i) => i.productId), ['kyusu', 'sencha']);
      // Not left in its cooldown: a run with no worker would stop the server skipping time for the next tests.
      await handle.terminate('test done');
    });
  });

  for (const [exit, type, properties] of [
    ['a non-empty cart', 'cart.updated', { cartId: 'k', cartUrl: 'https://shop.example.com/cart', items: [{ productId: 'kyusu', title: 'Kyusu', price: 64, quantity: 1 }] }],
    ['a checkout', 'checkout.started', { cartId: 'k' }],
    ['an order', 'order.placed', { orderId: 'o-b', total: 64, currency: 'EUR', items: [{ productId: 'kyusu', title: 'Kyusu', price: 64, quantity: 1 }] }],
  ] as const) {
    test(`${exit} within the 2 hours ends the journey without an email`, async () => {
      const fake = fakeSend(env);
      await withWorker(env, { ...fake.activities, browsedProducts }, async (taskQueue) => {
        const customerId = `c-exit-${type}`;
        const handle = await start(customerId, taskQueue);
        await env.sleep(HOUR);
        await handle.signal(journeyEventSignal, await ev(customerId, type, properties));
        await handle.result();
        assert.equal(fake.sent.length, 0);
        assert.equal((await handle.query(stateQuery)).details, 'added to cart, checked out or ordered: no browse email');
      });
    });
  }

  test('an emptied cart is no exit; nothing viewed in stock means no email', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, browsedProducts }, async (taskQueue) => {
      const handle = await start('c-empty', taskQueue);
      await handle.signal(journeyEventSignal, await ev('c-empty', 'cart.updated', { cartId: 'k', cartUrl: 'https://shop.example.com/cart', items: [] }));
      await env.sleep(3 * HOUR);
      assert.equal(fake.sent.length, 1);
      await handle.terminate('test done');

      const soldOut = await start('c-sold-out', taskQueue, 'sold-out');
      await soldOut.result();
      assert.equal(fake.sent.length, 1);
      assert.equal((await soldOut.query(stateQuery)).details, 'nothing viewed is in stock: no browse email');
    });
  });

  test('skipped at the frequency cap: no cooldown, the journey ends at once', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'frequency_cap' }));
    await withWorker(env, { ...fake.activities, browsedProducts }, async (taskQueue) => {
      const handle = await start('c-capped', taskQueue);
      await handle.result();
      assert.equal(fake.sent.length, 1);
      const state = await handle.query(stateQuery);
      assert.deepEqual([state.step, state.details], ['done', 'browse email not sent (frequency_cap)'], 'no 7-day cooldown after a skipped email');
    });
  });
});
