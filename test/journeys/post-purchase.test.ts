import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, postPurchaseStateQuery } from '../../workflows/messages';
import { postPurchase } from '../../workflows/post-purchase';
import type { Activities } from '../../activities';
import type { EventProperties, ShopEvent } from '../../ingest/event-schemas';
import type { CrossSellProduct, ReviewItem } from '../../activities/post-purchase';
import { claimStep, releaseStep } from '../../activities/step-claims';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const config = defaultJourneysConfig.postPurchase;

const order = (orderId: string): EventProperties<'order.placed'> => ({
  orderId,
  total: 88,
  currency: 'EUR',
  items: [
    { productId: 'sencha', title: 'Sencha green tea', price: 12, quantity: 2 },
    { productId: 'kyusu', title: 'Kyusu teapot', price: 64, quantity: 1 },
  ],
});

const placed = (customerId: string, orderId: string, at: number): ShopEvent => ({
  id: `evt-placed-${orderId}`,
  type: 'order.placed',
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: order(orderId),
});

const delivered = (customerId: string, orderId: string, at: number): ShopEvent => ({
  id: `evt-delivered-${orderId}`,
  type: 'order.delivered',
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: { orderId },
});

const reviewItems: ReviewItem[] = [
  { productId: 'sencha', title: 'Sencha green tea', reviewUrl: 'https://shop.test/p/sencha' },
  { productId: 'kyusu', title: 'Kyusu teapot', reviewUrl: 'https://shop.test/' },
];
const related: CrossSellProduct[] = [
  { productId: 'cups', title: 'Hagi cups', url: 'https://shop.test/p/cups', price: 38, currency: 'EUR' },
];

type CatalogFakes = Pick<Activities, 'isFirstOrder' | 'itemsToReview' | 'crossSellProducts' | 'claimStep' | 'releaseStep'>;

/** Typed fakes of the journey's reads; claims always granted unless a test passes real ones. */
function catalog(overrides: Partial<CatalogFakes> = {}): CatalogFakes {
  return {
    isFirstOrder: async () => true,
    itemsToReview: async () => reviewItems,
    crossSellProducts: async () => related,
    claimStep: async () => ({ claimed: true }),
    releaseStep: async () => undefined,
    ...overrides,
  };
}

describe('post-purchase journey', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  before(async () => {
    [env, db] = await Promise.all([startTimeSkipping(), createTestDatabase()]);
  });
  after(async () => {
    await env?.teardown();
    await db?.drop();
  });

  async function start(customerId: string, orderId: string, taskQueue: string, settings: typeof config = config) {
    return env.client.workflow.signalWithStart(postPurchase, {
      workflowId: `post-purchase/${orderId}`,
      taskQueue,
      args: [{ customerId, orderId, order: order(orderId), config: settings }],
      signal: journeyEventSignal,
      signalArgs: [placed(customerId, orderId, await env.currentTimeMs())],
    });
  }

  /** The real claim activities on a real database, on the test server's clock. */
  const realClaims = (): Pick<CatalogFakes, 'claimStep' | 'releaseStep'> => ({
    claimStep: async (request) => claimStep(db.pool, new Date(await env.currentTimeMs()), request),
    releaseStep: async (request) => releaseStep(db.pool, new Date(await env.currentTimeMs()), request),
  });

  test('thanks 3 hours after the order, asks for a review 7 days after delivery and cross-sells after 14', async () => {
    const fake = fakeSend(env);
    const calls: string[] = [];
    const activities = catalog({
      isFirstOrder: async (input) => {
        calls.push(`isFirstOrder:${input.orderId}`);
        return true;
      },
      crossSellProducts: async (input) => {
        calls.push(`crossSell:${input.orderId}:${input.limit}`);
        return related;
      },
    });
    await withWorker(env, { ...fake.activities, ...activities }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-full', 'o-full', taskQueue);
      await env.sleep(2 * DAY);
      await handle.signal(journeyEventSignal, delivered('c-full', 'o-full', await env.currentTimeMs()));
      const deliveredAt = await env.currentTimeMs();
      await handle.result();

      assert.deepEqual(fake.sent.map((s) => s.input.template), ['post-purchase-thank-you', 'review-request', 'cross-sell']);
      const [thanks, review, crossSell] = fake.sent;
      const near = (actual: number, expected: number, what: string) =>
        assert.ok(actual >= expected && actual < expected + HOUR, `${what}: ${(actual - expected) / HOUR}h off`);
      near(thanks.at, t0 + 3 * HOUR, 'thank-you 3 h after the order');
      near(review.at, deliveredAt + 7 * DAY, 'review request 7 days after delivery');
      near(crossSell.at, deliveredAt + 14 * DAY, 'cross-sell 14 days after delivery');

      assert.deepEqual(thanks.input.data, {
        orderId: 'o-full',
        firstPurchase: true,
        items: [
          { title: 'Sencha green tea', quantity: 2 },
          { title: 'Kyusu teapot', quantity: 1 },
        ],
      });
      assert.equal(thanks.input.idempotencyKey, 'post-purchase/o-full/thank-you');
      assert.equal(thanks.input.onCap, 'defer');
      assert.equal(thanks.input.coupon, undefined, 'no next-order coupon unless configured');
      assert.deepEqual(review.input.data, { orderId: 'o-full', items: reviewItems });
      assert.equal(review.input.idempotencyKey, 'post-purchase/o-full/review-request');
      assert.deepEqual(crossSell.input.data, { boughtTitle: 'order', items: related });
      assert.equal(crossSell.input.promotes, true, 'sold-out suggestions are dropped at send time');
      assert.equal(crossSell.input.onCap, 'skip');
      assert.ok(fake.sent.every((s) => s.input.category === 'marketing' && s.input.journey === 'post-purchase'));
      assert.deepEqual(calls, ['isFirstOrder:o-full', 'crossSell:o-full:3']);
    });
  });

  test('a flood of re-posted deliveries: the journey continues as new and still asks for the review and cross-sells on time', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...catalog() }, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(postPurchase, {
        workflowId: 'post-purchase/o-flood',
        taskQueue,
        args: [{ customerId: 'c-flood', orderId: 'o-flood', order: order('o-flood'), config, historyLimit: 30 }],
        signal: journeyEventSignal,
        signalArgs: [placed('c-flood', 'o-flood', await env.currentTimeMs())],
      });
      await env.sleep(2 * DAY);
      const deliveredAt = await env.currentTimeMs();
      await handle.signal(journeyEventSignal, delivered('c-flood', 'o-flood', deliveredAt));
      for (let i = 0; i < 15; i++) {
        await env.sleep(HOUR);
        await handle.signal(journeyEventSignal, { ...delivered('c-flood', 'o-flood', await env.currentTimeMs()), id: `evt-again-${i}` });
      }
      await env.client.workflow.getHandle('post-purchase/o-flood').result();
      assert.equal((await env.client.workflow.getHandle('post-purchase/o-flood', handle.signaledRunId).describe()).status.name, 'CONTINUED_AS_NEW');
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['post-purchase-thank-you', 'review-request', 'cross-sell']);
      const [, review, crossSell] = fake.sent;
      const near = (actual: number, expected: number, what: string) =>
        assert.ok(Math.abs(actual - expected) < HOUR, `${what}: ${(actual - expected) / HOUR}h off`);
      near(review.at, deliveredAt + 7 * DAY, 'review request 7 days after the first delivery');
      near(crossSell.at, deliveredAt + 14 * DAY, 'cross-sell 14 days after the first delivery');
    });
  });

  test('uses the repeat-customer variant when the customer ordered before', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...catalog({ isFirstOrder: async () => false }) }, async (taskQueue) => {
      const handle = await start('c-repeat', 'o-repeat', taskQueue);
      await env.sleep(4 * HOUR);
      await handle.terminate('test done');
      assert.equal(fake.sent.length, 1);
      assert.equal((fake.sent[0].input.data as { firstPurchase: boolean }).firstPurchase, false);
    });
  });

  test('sends only the thank-you when the order is never delivered, and ends after 60 days', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...catalog() }, async (taskQueue) => {
      const handle = await start('c-lost', 'o-lost', taskQueue);
      await env.sleep(59 * DAY);
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'still waiting for the delivery on day 59');
      await env.sleep(2 * DAY);
      assert.equal((await handle.describe()).status.name, 'COMPLETED', 'gave up after 60 days');
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['post-purchase-thank-you']);
    });
  });

  test('sends no cross-sell when nothing related is in stock', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...catalog({ crossSellProducts: async () => [] }) }, async (taskQueue) => {
      const handle = await start('c-nothing', 'o-nothing', taskQueue);
      await handle.signal(journeyEventSignal, delivered('c-nothing', 'o-nothing', await env.currentTimeMs()));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['post-purchase-thank-you', 'review-request']);
    });
  });

  test('two orders a day apart get one thank-you, one review request and one cross-sell', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...catalog(realClaims()) }, async (taskQueue) => {
      const first = await start('c-overlap', 'o-overlap-1', taskQueue);
      await env.sleep(DAY);
      const second = await start('c-overlap', 'o-overlap-2', taskQueue);
      await env.sleep(HOUR);
      await first.signal(journeyEventSignal, delivered('c-overlap', 'o-overlap-1', await env.currentTimeMs()));
      await env.sleep(HOUR);
      await second.signal(journeyEventSignal, delivered('c-overlap', 'o-overlap-2', await env.currentTimeMs()));
      // One result() at a time: each call unlocks time skipping on the test server.
      await first.result();
      await second.result();

      assert.deepEqual(
        fake.sent.map((s) => s.input.idempotencyKey),
        [
          'post-purchase/o-overlap-1/thank-you',
          'post-purchase/o-overlap-1/review-request',
          'post-purchase/o-overlap-1/cross-sell',
        ],
      );
      const state = await second.query(postPurchaseStateQuery);
      const outcomes = state.data.outcomes as Record<string, string>;
      assert.match(outcomes['thank-you'], /^skipped: post-purchase\/o-overlap-1 sent it/);
      assert.match(outcomes['cross-sell'], /^skipped: post-purchase\/o-overlap-1 sent it/);
    });
  });

  test('an order 8 days after the previous one gets its own thank-you (outside the dedupe window)', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...catalog(realClaims()) }, async (taskQueue) => {
      const first = await start('c-apart', 'o-apart-1', taskQueue);
      await env.sleep(8 * DAY);
      const second = await start('c-apart', 'o-apart-2', taskQueue);
      await env.sleep(4 * HOUR);
      await Promise.all([first.terminate('test done'), second.terminate('test done')]);
      assert.deepEqual(fake.sent.map((s) => s.input.idempotencyKey), [
        'post-purchase/o-apart-1/thank-you',
        'post-purchase/o-apart-2/thank-you',
      ]);
    });
  });

  test('a thank-you that was not sent leaves the step free for the next order', async () => {
    // The first order's thank-you meets a consent the customer gives only later.
    const fake = fakeSend(env, (input) =>
      input.idempotencyKey === 'post-purchase/o-free-1/thank-you'
        ? { status: 'skipped', reason: 'no_consent' }
        : { status: 'sent', messageId: 1, providerMessageId: 'p' },
    );
    await withWorker(env, { ...fake.activities, ...catalog(realClaims()) }, async (taskQueue) => {
      const first = await start('c-free', 'o-free-1', taskQueue);
      await env.sleep(DAY);
      const second = await start('c-free', 'o-free-2', taskQueue);
      await env.sleep(4 * HOUR);
      await Promise.all([first.terminate('test done'), second.terminate('test done')]);
      assert.deepEqual(
        fake.sent.map((s) => [s.input.idempotencyKey, s.input.template]),
        [
          ['post-purchase/o-free-1/thank-you', 'post-purchase-thank-you'],
          ['post-purchase/o-free-2/thank-you', 'post-purchase-thank-you'],
        ],
      );
    });
  });

  test('with nextOrderCoupon configured, the thank-you carries a next-order code keyed by the order', async () => {
    const fake = fakeSend(env);
    const settings = { ...config, nextOrderCoupon: { percentOff: 10, validity: '30 days' as const } };
    await withWorker(env, { ...fake.activities, ...catalog() }, async (taskQueue) => {
      const handle = await start('c-coupon', 'o-coupon', taskQueue, settings);
      await env.sleep(4 * HOUR);
      const [thanks] = fake.sent;
      assert.equal(thanks?.input.template, 'post-purchase-thank-you');
      assert.deepEqual(thanks.input.coupon, { key: 'post-purchase/o-coupon/next-order', percentOff: 10, validFor: '30 days' });
      await handle.terminate('test done');
    });
  });

  describe('cancellations, refunds and returns', () => {
    const change = (type: 'order.cancelled' | 'order.refunded' | 'order.returned', orderId: string, at: number, extra: Record<string, unknown> = {}): ShopEvent =>
      ({
        id: `evt-${type}-${orderId}-${at}`,
        type,
        customerId: 'c-change',
        occurredAt: new Date(at).toISOString(),
        properties: { orderId, ...extra },
      }) as ShopEvent;

    test('a cancellation before the thank-you ends the journey at once: nothing is sent', async () => {
      const fake = fakeSend(env);
      await withWorker(env, { ...catalog(), ...fake.activities }, async (taskQueue) => {
        const handle = await start('c-change', 'o-cancel', taskQueue);
        await env.sleep(HOUR);
        await handle.signal(journeyEventSignal, change('order.cancelled', 'o-cancel', await env.currentTimeMs()));
        await handle.result();
        assert.deepEqual(fake.sent, []);
        const state = await handle.query(postPurchaseStateQuery);
        assert.equal(state.step, 'done');
      });
    });

    test('a full refund after delivery: thank-you only, no review request and no cross-sell', async () => {
      const fake = fakeSend(env);
      await withWorker(env, { ...catalog(), ...fake.activities }, async (taskQueue) => {
        const handle = await start('c-change', 'o-refund', taskQueue);
        await env.sleep(2 * DAY);
        await handle.signal(journeyEventSignal, delivered('c-change', 'o-refund', await env.currentTimeMs()));
        await env.sleep(3 * DAY);
        // Two refunds that add up to the order's total (88).
        await handle.signal(journeyEventSignal, change('order.refunded', 'o-refund', await env.currentTimeMs(), { amount: 64, currency: 'EUR' }));
        await env.sleep(HOUR);
        await handle.signal(journeyEventSignal, change('order.refunded', 'o-refund', await env.currentTimeMs(), { amount: 24, currency: 'EUR' }));
        await handle.result();
        assert.deepEqual(fake.sent.map((s) => s.input.step), ['thank-you']);
      });
    });

    test('a return of the whole order after delivery: no review request; a partial refund changes nothing in the timeline', async () => {
      const fake = fakeSend(env);
      await withWorker(env, { ...catalog(), ...fake.activities }, async (taskQueue) => {
        const returned = await start('c-change', 'o-return', taskQueue);
        const partly = await start('c-change', 'o-partly', taskQueue);
        await env.sleep(DAY);
        await returned.signal(journeyEventSignal, delivered('c-change', 'o-return', await env.currentTimeMs()));
        await partly.signal(journeyEventSignal, delivered('c-change', 'o-partly', await env.currentTimeMs()));
        await env.sleep(2 * DAY);
        await returned.signal(journeyEventSignal, change('order.returned', 'o-return', await env.currentTimeMs()));
        await partly.signal(
          journeyEventSignal,
          change('order.refunded', 'o-partly', await env.currentTimeMs(), { amount: 12, currency: 'EUR', items: [{ productId: 'sencha', quantity: 1 }] }),
        );
        await returned.result();
        await partly.result();
        const steps = (orderId: string) => fake.sent.filter((s) => s.input.workflowId === `post-purchase/${orderId}`).map((s) => s.input.step);
        assert.deepEqual(steps('o-return'), ['thank-you']);
        assert.deepEqual(steps('o-partly'), ['thank-you', 'review-request', 'cross-sell']);
      });
    });

    test('a change of another order is ignored', async () => {
      const fake = fakeSend(env);
      await withWorker(env, { ...catalog(), ...fake.activities }, async (taskQueue) => {
        const handle = await start('c-change', 'o-other', taskQueue);
        await env.sleep(HOUR);
        await handle.signal(journeyEventSignal, change('order.cancelled', 'o-something-else', await env.currentTimeMs()));
        await env.sleep(DAY);
        await handle.signal(journeyEventSignal, delivered('c-change', 'o-other', await env.currentTimeMs()));
        await handle.result();
        assert.deepEqual(fake.sent.map((s) => s.input.step), ['thank-you', 'review-request', 'cross-sell']);
      });
    });
  });
});
