import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { winBack, type WinBackInput, type WinBackState } from '../../workflows/win-back';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker, type RecordedSend } from '../helpers/time-skipping';

const config = defaultJourneysConfig.winBack;

/**
 * A customer as the engagement activities see them: opens/clicks recorded by the test (orders
 * reach the journey as signals). Typed fakes of the real activities.
 */
function customer(env: TestWorkflowEnvironment) {
  const opens: number[] = [];
  const sunsets: { at: number; since: string }[] = [];
  const latestSince = (since: string) => {
    const after = opens.filter((t) => t >= Date.parse(since));
    return after.length ? { engagedAt: new Date(Math.max(...after)).toISOString(), how: 'opened' as const } : { engagedAt: null, how: null };
  };
  const activities: Pick<Activities, 'customerEngagement' | 'sunsetIfUnengaged'> = {
    customerEngagement: async ({ since }) => latestSince(since),
    sunsetIfUnengaged: async ({ since }) => {
      const engagement = latestSince(since);
      if (!engagement.engagedAt) sunsets.push({ at: await env.currentTimeMs(), since });
      return { ...engagement, sunset: !engagement.engagedAt };
    },
  };
  return {
    activities,
    sunsets,
    async open() {
      opens.push(await env.currentTimeMs());
    },
  };
}

let eventSeq = 0;
const orderPlaced = (customerId: string, at: number, id = `evt-order-${++eventSeq}`): ShopEvent => ({
  id,
  type: 'order.placed',
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: { orderId: id, total: 40, currency: 'EUR', items: [{ productId: 'tea', title: 'Tea', price: 40, quantity: 1 }] },
});

const days = (ms: number) => Math.round((ms / DAY) * 100) / 100;

describe('win-back journey with sunset', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function order(customerId: string, taskQueue: string, extra: Partial<WinBackInput> = {}, eventId?: string) {
    const at = await env.currentTimeMs();
    const handle = await env.client.workflow.signalWithStart(winBack, {
      workflowId: `win-back/${customerId}`,
      taskQueue,
      args: [{ customerId, config, ...extra }],
      signal: journeyEventSignal,
      signalArgs: [orderPlaced(customerId, at, eventId)],
    });
    return { handle, at };
  }

  const sentDays = (sent: RecordedSend[], from: number) => sent.map((s) => [s.input.template, days(s.at - from)]);

  test('sends a win-back 90 days after the last order, a last chance 14 days later, and sunsets 30 days after that', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-lapsed', taskQueue);
      await handle.result();

      assert.deepEqual(sentDays(fake.sent, t0), [
        ['win-back', 90],
        ['win-back-last-chance', 104],
      ]);
      const [first, second] = fake.sent.map((s) => s.input);
      const cycle = new Date(t0).toISOString();
      assert.equal(first.idempotencyKey, `win-back/c-lapsed/win-back/${cycle}`);
      assert.equal(second.idempotencyKey, `win-back/c-lapsed/win-back-last-chance/${cycle}`);
      assert.deepEqual(first.coupon, { key: `winBack/c-lapsed/${cycle}/1`, percentOff: 15, validFor: '14 days' });
      assert.deepEqual(second.coupon, { key: `winBack/c-lapsed/${cycle}/2`, percentOff: 15, validFor: '14 days' });
      assert.ok([first, second].every((i) => i.category === 'marketing' && i.onCap === 'defer'));

      assert.equal(c.sunsets.length, 1);
      assert.equal(days(c.sunsets[0].at - t0), 134);
      const since = Date.parse(c.sunsets[0].since);
      assert.ok(Math.abs(since - fake.sent[0].at) < 60_000, 'engagement counted from the first win-back');
      assert.equal((await handle.query(stateQuery)).step, 'sunset');
    });
  });

  test('started by dispatch when the win-back is due (held orders): the win-back at once, its cycle named by the last order', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const now = await env.currentTimeMs();
      const first = orderPlaced('c-held', now - 150 * DAY);
      const last = orderPlaced('c-held', now - 90 * DAY - 60_000);
      const handle = await env.client.workflow.signalWithStart(winBack, {
        workflowId: 'win-back/c-held',
        taskQueue,
        args: [{ customerId: 'c-held', config, heldBack: { events: [first, last], quietSince: Date.parse(last.occurredAt) } }],
        signal: journeyEventSignal,
        signalArgs: [last],
      });
      await env.sleep(DAY);
      assert.deepEqual(sentDays(fake.sent, now), [['win-back', 0]]);
      assert.equal(fake.sent[0].input.idempotencyKey, `win-back/c-held/win-back/${last.occurredAt}`);
      assert.equal(((await handle.query(stateQuery)).data as { ordersSeen: number }).ordersSeen, 2, 'both held orders counted');
      await handle.terminate('test done');
    });
  });

  test('an order before the win-back is due restarts the 90-day clock', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-returns', taskQueue);
      await env.sleep(60 * DAY);
      await order('c-returns', taskQueue);
      await env.sleep(89 * DAY);
      assert.equal(fake.sent.length, 0, 'nothing on day 149');
      await env.sleep(2 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0), [['win-back', 150]]);
      await handle.terminate('test done');
    });
  });

  test('runs across two purchase cycles over two years, sending nothing after an order', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    const started = Date.now();
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-years', taskQueue);
      await env.sleep(100 * DAY);
      // Year 1: the win-back worked — an order on day 100, before the last chance was due.
      await order('c-years', taskQueue);
      await env.sleep(200 * DAY);
      // No reaction to the second cycle: last chance, then sunset; the journey ends.
      await handle.result();
      assert.deepEqual(sentDays(fake.sent, t0), [
        ['win-back', 90],
        ['win-back', 190],
        ['win-back-last-chance', 204],
      ]);
      assert.equal(days(c.sunsets[0].at - t0), 234);

      // Year 2: a purchase brings the customer back; a new run starts the clock again.
      await env.sleep(400 * DAY);
      const { handle: again, at: t2 } = await order('c-years', taskQueue);
      await env.sleep(91 * DAY);
      assert.deepEqual(sentDays(fake.sent.slice(3), t2), [['win-back', 90]]);
      const keys = fake.sent.map((s) => s.input.idempotencyKey);
      assert.equal(new Set(keys).size, keys.length, 'every message has its own idempotency key');
      const codes = fake.sent.map((s) => s.input.coupon?.key);
      assert.equal(new Set(codes).size, codes.length, 'every attempt has its own code');
      await again.terminate('test done');
    });
    assert.ok(Date.now() - started < 20_000, `two years took ${Date.now() - started} ms`);
  });

  test('an open within 14 days means no last chance; the clock restarts from the open', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-opens', taskQueue);
      await env.sleep(95 * DAY);
      await c.open();
      await env.sleep(89 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0), [['win-back', 90]], 'no last chance after the open');
      await env.sleep(2 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0), [
        ['win-back', 90],
        ['win-back', 185],
      ]);
      assert.equal(c.sunsets.length, 0);
      await handle.terminate('test done');
    });
  });

  test('a click on the win-back email reaches the journey and restarts the clock at once', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    const checks: string[] = [];
    const activities = {
      ...c.activities,
      customerEngagement: async (input: { customerId: string; since: string }) => {
        checks.push(input.since);
        return c.activities.customerEngagement(input);
      },
    };
    await withWorker(env, { ...fake.activities, ...activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-clicks', taskQueue);
      await env.sleep(92 * DAY);
      assert.equal((await handle.query(stateQuery)).step, 'waiting-for-engagement');
      const clickedAt = await env.currentTimeMs();
      const click = {
        id: 'email.clicked:41',
        type: 'email.clicked' as const,
        customerId: 'c-clicks',
        occurredAt: new Date(clickedAt).toISOString(),
        properties: { messageId: 41, workflowId: 'win-back/c-clicks', journey: 'win-back', step: 'win-back' },
      };
      await handle.signal(journeyEventSignal, click);
      // Redelivered by the relay: applied once.
      await handle.signal(journeyEventSignal, click);
      const state = (await handle.query(stateQuery)) as { step: string; data: Partial<WinBackState> };
      assert.equal(state.step, 'waiting-for-lapse', 'the wait for engagement ended with the click, not 12 days later');
      assert.equal(state.data.clockFrom, clickedAt, 'the clock restarts from the click');
      assert.deepEqual(checks, [], 'no need to look up engagement: the event said so');
      await env.sleep(89 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0), [['win-back', 90]], 'no last chance after the click');
      await env.sleep(2 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0), [
        ['win-back', 90],
        ['win-back', 182],
      ]);
      assert.equal(c.sunsets.length, 0);
      await handle.terminate('test done');
    });
  });

  test("an open before any win-back was sent leaves the lapse clock alone", async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-early-open', taskQueue);
      await env.sleep(10 * DAY);
      await handle.signal(journeyEventSignal, {
        id: 'email.opened:7',
        type: 'email.opened',
        customerId: 'c-early-open',
        occurredAt: new Date(await env.currentTimeMs()).toISOString(),
        properties: { messageId: 7, workflowId: 'win-back/c-early-open', journey: 'win-back', step: 'win-back' },
      });
      await env.sleep(81 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0), [['win-back', 90]], 'the lapse clock runs from the order');
      await handle.terminate('test done');
    });
  });

  test('an open while waiting for the sunset keeps the customer engaged', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, at: t0 } = await order('c-late-open', taskQueue);
      await env.sleep(110 * DAY);
      await c.open();
      await env.sleep(30 * DAY);
      assert.equal(c.sunsets.length, 0, 'not marked unengaged');
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      assert.equal((await handle.query(stateQuery)).step, 'waiting-for-lapse');
      assert.deepEqual(sentDays(fake.sent, t0), [
        ['win-back', 90],
        ['win-back-last-chance', 104],
      ]);
      await handle.terminate('test done');
    });
  });

  test('an order while the win-back waits out a deferral cancels it', async () => {
    const fake = fakeSend(env, async () => ({
      status: 'deferred',
      reason: 'quiet_hours',
      retryAt: new Date((await env.currentTimeMs()) + 10 * HOUR).toISOString(),
    }));
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle } = await order('c-deferred', taskQueue);
      await env.sleep(90 * DAY + 2 * HOUR);
      assert.equal(fake.sent.length, 1, 'the win-back was deferred once');
      await order('c-deferred', taskQueue);
      await env.sleep(DAY);
      assert.equal(fake.sent.length, 1, 'not retried after the order');
      assert.equal((await handle.query(stateQuery)).step, 'waiting-for-lapse');
      await handle.terminate('test done');
    });
  });

  test('ends without a sunset when the win-back cannot be sent (no consent)', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'no_consent' }));
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle } = await order('c-no-consent', taskQueue);
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['win-back']);
      assert.equal(c.sunsets.length, 0);
    });
  });

  test('continues as new before its history grows long and keeps its state', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle } = await order('c-loyal', taskQueue, { historyLimit: 40 }, 'evt-loyal-0');
      const firstRunId = (await handle.describe()).runId;
      for (let i = 1; i <= 20; i++) {
        await env.sleep(DAY);
        await order('c-loyal', taskQueue, { historyLimit: 40 }, `evt-loyal-${i}`);
      }
      // A redelivered event (signals are at-least-once) is still recognised after continue-as-new.
      await order('c-loyal', taskQueue, { historyLimit: 40 }, 'evt-loyal-3');
      const lastOrderAt = await env.currentTimeMs();
      await env.sleep(HOUR);

      const latest = env.client.workflow.getHandle('win-back/c-loyal');
      const described = await latest.describe();
      assert.notEqual(described.runId, firstRunId, 'a new run');
      assert.ok(described.historyLength <= 40 + 10, `history stays bounded (${described.historyLength} events)`);
      const state = (await latest.query(stateQuery)).data as WinBackState;
      assert.ok(state.generation >= 2, `continued as new (generation ${state.generation})`);
      assert.equal(state.ordersSeen, 21, 'every order counted once across runs');
      assert.ok(Math.abs((state.lastOrderAt ?? 0) - lastOrderAt) < 60_000, 'the last order carried over');
      assert.ok(Math.abs((state.clockFrom ?? 0) - lastOrderAt) < 60_000, 'the clock runs from the last order');

      await env.sleep(91 * DAY);
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['win-back']);
      assert.ok(Math.abs(fake.sent[0].at - (lastOrderAt + 90 * DAY)) < HOUR, 'due 90 days after the last order');
      await latest.terminate('test done');
    });
  });

  test('an order that lands while the sunset is decided restarts the clock instead of being lost', async () => {
    const fake = fakeSend(env);
    let ordered = 0;
    const c = customer(env);
    const activities = {
      ...c.activities,
      sunsetIfUnengaged: async (input: { customerId: string; since: string }) => {
        if (ordered === 0) {
          ordered = await env.currentTimeMs();
          await env.client.workflow.getHandle('win-back/c-late-order').signal(journeyEventSignal, orderPlaced('c-late-order', ordered));
        }
        return c.activities.sunsetIfUnengaged(input);
      },
    };
    await withWorker(env, { ...fake.activities, ...activities }, async (taskQueue) => {
      const { at: t0 } = await order('c-late-order', taskQueue);
      await env.sleep(135 * DAY);
      assert.ok(ordered > 0, 'the sunset was decided');
      await env.sleep(91 * DAY);
      assert.deepEqual(sentDays(fake.sent, t0).map(([template]) => template), ['win-back', 'win-back-last-chance', 'win-back']);
      assert.ok(Math.abs(fake.sent[2].at - (ordered + 90 * DAY)) < HOUR, 'a new win-back 90 days after the late order');
      await env.client.workflow.getHandle('win-back/c-late-order').terminate('test done');
    });
  });
});
