import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import {
  backInStockRestockWorkflowId,
  backInStockWorkflowId,
  journeyEventSignal,
  productRestockedSignal,
} from '../../workflows/messages';
import { backInStock, backInStockRestock } from '../../workflows/back-in-stock';
import type { Activities } from '../../activities';
import { MAX_REQUEUES, MAX_SUBSCRIBERS_PER_CLAIM, type SubscriptionStatus } from '../../activities/back-in-stock';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const MINUTE = 60_000;
const config = defaultJourneysConfig.backInStock;

/**
 * An in-memory shop for the journey's activities: a product's stock and its subscription
 * queue. The fake batch claim follows the rule the SQL implements (oldest waiting first,
 * subscribersPerUnit × stock); test/activities/back-in-stock.test.ts checks the SQL itself.
 */
function fakeShop(env: TestWorkflowEnvironment, productId: string) {
  const shop = {
    stock: 0,
    subscriptions: new Map<
      string,
      { requestedAt: string; status: SubscriptionStatus | 'notifying'; reason?: string; retryAt?: number; requeues?: number }
    >(),
  };
  const claims: string[] = [];
  const claimed = new Map<string, { customerId: string; requestedAt: string }[]>();
  const send = fakeSend(env, () =>
    shop.stock > 0
      ? { status: 'sent', messageId: 1, providerMessageId: 'p' }
      : { status: 'skipped', reason: 'out_of_stock' },
  );
  const activities: Partial<Activities> = {
    ...send.activities,
    findProducts: async (ids) =>
      ids.map((id) => ({ productId: id, title: 'Kyusu teapot', price: 64, currency: 'EUR', url: `https://shop.example.com/p/${id}`, stock: shop.stock })),
    claimBackInStockBatch: async ({ subscribersPerUnit, claimId, limit }) => {
      claims.push(claimId ?? '(none)');
      if (claimId && claimed.has(claimId)) return { stock: shop.stock, subscribers: claimed.get(claimId)! };
      const now = await env.currentTimeMs();
      const subscribers = [...shop.subscriptions.entries()]
        .filter(([, s]) => s.status === 'waiting' && (s.retryAt ?? 0) <= now)
        .sort(([, a], [, b]) => a.requestedAt.localeCompare(b.requestedAt))
        .slice(0, Math.min(shop.stock * subscribersPerUnit, limit ?? Infinity, MAX_SUBSCRIBERS_PER_CLAIM))
        .map(([customerId, s]) => {
          s.status = 'notifying';
          return { customerId, requestedAt: s.requestedAt };
        });
      if (claimId) claimed.set(claimId, subscribers);
      return { stock: shop.stock, subscribers };
    },
    requeueBackInStockSubscribers: async ({ subscribers }) => {
      const now = await env.currentTimeMs();
      for (const { customerId } of subscribers) {
        const s = shop.subscriptions.get(customerId)!;
        s.requeues = (s.requeues ?? 0) + 1;
        Object.assign(s, s.requeues >= MAX_REQUEUES
          ? { status: 'expired', reason: 'journey_gone' }
          : { status: 'waiting', reason: 'journey_not_running', retryAt: now + HOUR });
      }
    },
    settleBackInStockSubscription: async ({ customerId, productId: p, requestedAt, status, reason }) => {
      const s = shop.subscriptions.get(customerId);
      if (p === productId && s && s.requestedAt === requestedAt) Object.assign(s, { status, reason });
    },
  };
  return { shop, sent: send.sent, activities, claims };
}

describe('back in stock journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function subscribe(shop: ReturnType<typeof fakeShop>['shop'], customerId: string, productId: string, taskQueue: string) {
    const requestedAt = new Date(await env.currentTimeMs()).toISOString();
    shop.subscriptions.set(customerId, { requestedAt, status: 'waiting' });
    return env.client.workflow.signalWithStart(backInStock, {
      workflowId: backInStockWorkflowId(customerId, productId),
      taskQueue,
      args: [{ customerId, productId, requestedAt, config }],
      signal: journeyEventSignal,
      signalArgs: [{ id: `req-${customerId}`, type: 'back_in_stock.requested', customerId, occurredAt: requestedAt, properties: { productId } }],
    });
  }

  /**
   * Every test lets what it started run to its end while its worker still runs (terminating a
   * journey mid-task can stall the time-skipping server's clock for the next test).
   */
  async function settled(...workflowIds: string[]) {
    // one at a time: concurrent result() calls confuse the test server's time-skipping lock
    for (const id of workflowIds) await env.client.workflow.getHandle(id).result();
  }

  /** What PUT /v1/products/:id does on a 0 → n stock change. */
  function restock(shop: ReturnType<typeof fakeShop>['shop'], productId: string, stock: number, taskQueue: string, historyLimit?: number) {
    shop.stock = stock;
    return env.client.workflow.signalWithStart(backInStockRestock, {
      workflowId: backInStockRestockWorkflowId(productId),
      taskQueue,
      args: [{ productId, config, historyLimit }],
      signal: productRestockedSignal,
      signalArgs: [{ stock }],
    });
  }

  test('alerts the subscriber when the product comes back, with the product data, and ends', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-a');
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await subscribe(shop, 'c-1', 'pot-a', taskQueue);
      await env.sleep(10 * DAY);
      assert.equal(sent.length, 0, 'nothing while sold out');
      await restock(shop, 'pot-a', 5, taskQueue);
      await handle.result();
      assert.equal(sent.length, 1);
      const { input } = sent[0];
      assert.equal(input.template, 'back-in-stock');
      assert.equal(input.promotes, true, 'stock re-checked at send time');
      assert.equal(input.category, 'transactional');
      assert.deepEqual(input.data.items, [
        { productId: 'pot-a', title: 'Kyusu teapot', price: 64, currency: 'EUR', url: 'https://shop.example.com/p/pot-a' },
      ]);
      assert.match(input.idempotencyKey, /^back-in-stock\/c-1\/pot-a\/alert\/.+\/1$/);
      assert.equal(shop.subscriptions.get('c-1')!.status, 'notified');
      await settled(backInStockRestockWorkflowId('pot-a'));
    });
  });

  test('sends nothing when the product sold out again before the alert, and alerts on the next restock', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-b');
    const realSend = activities.sendMessage!;
    // the restock's units are gone by the time the alert would go out
    activities.sendMessage = async (input) => {
      if (sent.length === 0) shop.stock = 0;
      return realSend(input);
    };
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await subscribe(shop, 'c-2', 'pot-b', taskQueue);
      await restock(shop, 'pot-b', 1, taskQueue);
      await env.sleep(2 * HOUR);
      assert.equal(sent.length, 1);
      assert.equal(shop.subscriptions.get('c-2')!.status, 'waiting', 'back in the queue');
      assert.equal(shop.subscriptions.get('c-2')!.reason, 'sold_out_at_send_time');
      const state = await handle.describe();
      assert.equal(state.status.name, 'RUNNING', 'still waiting for stock');

      await env.sleep(5 * DAY);
      await restock(shop, 'pot-b', 3, taskQueue);
      await handle.result();
      assert.equal(sent.length, 2);
      assert.match(sent[0].input.idempotencyKey, /\/1$/);
      assert.match(sent[1].input.idempotencyKey, /\/2$/);
      assert.equal(shop.subscriptions.get('c-2')!.status, 'notified');
      await settled(backInStockRestockWorkflowId('pot-b'));
    });
  });

  test('the subscription expires after 90 days without a restock', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-c');
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await subscribe(shop, 'c-3', 'pot-c', taskQueue);
      await handle.result();
      const { startTime, closeTime } = await handle.describe();
      const lifetime = closeTime!.getTime() - startTime.getTime();
      assert.ok(Math.abs(lifetime - 90 * DAY) < MINUTE, `expired after ${lifetime / DAY} days`);
      assert.equal(sent.length, 0);
      assert.equal(shop.subscriptions.get('c-3')!.status, 'expired');
    });
  });

  test('few units for many subscribers: batches of 3 per unit, oldest first, until the stock is gone', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-d');
    await withWorker(env, activities, async (taskQueue) => {
      const customers = Array.from({ length: 10 }, (_, i) => `w-${String(i).padStart(2, '0')}`);
      for (const customerId of customers) {
        await subscribe(shop, customerId, 'pot-d', taskQueue);
        await env.sleep(MINUTE); // distinct request times: w-00 is the oldest
      }
      const restockedAt = await env.currentTimeMs();
      await restock(shop, 'pot-d', 1, taskQueue);
      await env.sleep(10 * MINUTE);
      const alerted = () => sent.map((s) => s.input.customerId);
      assert.deepEqual(alerted().sort(), ['w-00', 'w-01', 'w-02'], 'first batch: 3 × 1 unit, oldest first');

      await env.sleep(HOUR);
      assert.deepEqual(alerted().slice(3).sort(), ['w-03', 'w-04', 'w-05'], 'a unit is left after the interval: next batch');
      assert.ok(sent.slice(3).every((s) => s.at - restockedAt >= HOUR), 'not before the batch interval');

      shop.stock = 0; // someone bought the last unit
      await env.sleep(2 * HOUR);
      assert.equal(sent.length, 6, 'no batch once sold out');
      const restockRun = await env.client.workflow.getHandle(backInStockRestockWorkflowId('pot-d')).describe();
      assert.equal(restockRun.status.name, 'COMPLETED');
      for (const customerId of customers.slice(6)) {
        assert.equal(shop.subscriptions.get(customerId)!.status, 'waiting', `${customerId} waits for the next restock`);
      }
      await settled(...customers.slice(6).map((c) => backInStockWorkflowId(c, 'pot-d')));
      for (const customerId of customers.slice(6)) assert.equal(shop.subscriptions.get(customerId)!.status, 'expired');
      assert.equal(sent.length, 6);
    });
  });

  test('a restock with a long history continues as new and goes on batching where it stood', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-long');
    await withWorker(env, activities, async (taskQueue) => {
      const customers = Array.from({ length: 9 }, (_, i) => `l-${i}`);
      for (const customerId of customers) {
        await subscribe(shop, customerId, 'pot-long', taskQueue);
        await env.sleep(MINUTE);
      }
      const first = await restock(shop, 'pot-long', 1, taskQueue, 20);
      await env.sleep(4 * HOUR);
      assert.equal(sent.length, 9, 'three batches of three, across runs');
      const latest = await env.client.workflow.getHandle(backInStockRestockWorkflowId('pot-long')).describe();
      assert.notEqual(latest.runId, first.signaledRunId, 'continued as new');
      shop.stock = 0;
      await settled(backInStockRestockWorkflowId('pot-long'));
    });
  });

  test('a customer id with a "/" is woken by the restock under its own encoded id', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-slash');
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await subscribe(shop, 'shop-a/ann', 'pot-slash', taskQueue);
      assert.equal(handle.workflowId, 'back-in-stock/shop-a%2Fann/pot-slash');
      await restock(shop, 'pot-slash', 5, taskQueue);
      await handle.result();
      assert.deepEqual(sent.map((s) => s.input.customerId), ['shop-a/ann']);
      assert.equal(shop.subscriptions.get('shop-a/ann')!.status, 'notified');
      await settled(backInStockRestockWorkflowId('pot-slash'));
    });
  });

  test('a restock that reaches a subscriber before its journey started keeps the subscription: the next batch alerts it', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-e');
    await withWorker(env, activities, async (taskQueue) => {
      // The request is stored (and projected) but the relay has not started its journey yet.
      const requestedAt = new Date(await env.currentTimeMs()).toISOString();
      shop.subscriptions.set('c-early', { requestedAt, status: 'waiting' });
      await env.sleep(MINUTE);
      const live = await subscribe(shop, 'c-live', 'pot-e', taskQueue);
      await restock(shop, 'pot-e', 2, taskQueue);
      await live.result();
      assert.deepEqual(sent.map((s) => s.input.customerId), ['c-live']);
      assert.equal(shop.subscriptions.get('c-early')!.status, 'waiting', 'not expired for losing a race');

      // The relay catches up: the journey starts (same request), and the next batch tells it.
      const early = await env.client.workflow.signalWithStart(backInStock, {
        workflowId: backInStockWorkflowId('c-early', 'pot-e'),
        taskQueue,
        args: [{ customerId: 'c-early', productId: 'pot-e', requestedAt, config }],
        signal: journeyEventSignal,
        signalArgs: [{ id: 'req-c-early', type: 'back_in_stock.requested', customerId: 'c-early', occurredAt: requestedAt, properties: { productId: 'pot-e' } }],
      });
      await env.sleep(2 * HOUR);
      await early.result();
      assert.deepEqual(sent.map((s) => s.input.customerId), ['c-live', 'c-early']);
      assert.equal(shop.subscriptions.get('c-early')!.status, 'notified');
      await settled(backInStockRestockWorkflowId('pot-e'));
    });
  });

  test('a big restock is told in bounded parts: no workflow task signals more than 100, and claims are named', async () => {
    const { shop, activities, claims } = fakeShop(env, 'pot-big');
    await withWorker(env, activities, async (taskQueue) => {
      // 450 people wait (their journeys long gone, so every signal fails), 700 units return.
      for (let i = 0; i < 450; i++) {
        shop.subscriptions.set(`big-${String(i).padStart(3, '0')}`, { requestedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), status: 'waiting' });
      }
      // One run (no continue-as-new), so its history holds every batch.
      const handle = await restock(shop, 'pot-big', 700, taskQueue, 100_000);
      await handle.result();
      const { events } = await handle.fetchHistory();
      let perTask = 0;
      let most = 0;
      for (const e of events ?? []) {
        if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) most = Math.max(most, ++perTask);
        if (e.workflowTaskCompletedEventAttributes) perTask = 0;
      }
      assert.ok(most > 0 && most <= 100, `${most} signals in one workflow task`);
      assert.ok(claims.every((c) => /^back-in-stock-restock\/pot-big\/[\w-]+\/\d+\/\d+$/.test(c)), claims.join(', '));
      // Journeys that never ran after three batches are gone: only then do their subscriptions expire.
      assert.ok([...shop.subscriptions.values()].every((s) => s.status === 'expired' && s.requeues === MAX_REQUEUES));
    });
  });

  test('a new request that lands while the alert is being settled starts a new subscription, not lost', async () => {
    const { shop, sent, activities } = fakeShop(env, 'pot-again');
    const renewed: string[] = [];
    let asked = false;
    const send = activities.sendMessage!;
    const withLateRequest: Partial<Activities> = {
      ...activities,
      sendMessage: async (input) => {
        const outcome = await send(input);
        if (!asked) {
          asked = true;
          // The customer asks again (for the next batch, a gift) while the first alert is settled.
          const occurredAt = new Date(await env.currentTimeMs()).toISOString();
          await env.client.workflow.getHandle(backInStockWorkflowId('c-again', 'pot-again')).signal(journeyEventSignal, {
            id: 'req-c-again-2',
            type: 'back_in_stock.requested',
            customerId: 'c-again',
            occurredAt,
            properties: { productId: 'pot-again' },
          });
        }
        return outcome;
      },
      renewBackInStockSubscription: async ({ requestedAt }) => {
        renewed.push(requestedAt);
        shop.subscriptions.set('c-again', { requestedAt, status: 'waiting' });
      },
    };
    await withWorker(env, withLateRequest, async (taskQueue) => {
      await subscribe(shop, 'c-again', 'pot-again', taskQueue);
      await restock(shop, 'pot-again', 1, taskQueue);
      await env.sleep(10 * MINUTE);
      assert.equal(sent.length, 1);
      assert.equal(renewed.length, 1, 'the second request is a subscription again');
      const journey = await env.client.workflow.getHandle(backInStockWorkflowId('c-again', 'pot-again')).describe();
      assert.equal(journey.status.name, 'RUNNING', 'waiting for the next restock');
      await settled(backInStockRestockWorkflowId('pot-again'));
      shop.stock = 0;
      await restock(shop, 'pot-again', 1, taskQueue);
      await env.sleep(10 * MINUTE);
      assert.equal(sent.length, 2, 'alerted again on the next restock');
      await settled(backInStockWorkflowId('c-again', 'pot-again'), backInStockRestockWorkflowId('pot-again'));
    });
  });
});
