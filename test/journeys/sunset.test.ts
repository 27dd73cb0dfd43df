import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import {
  SUNSET_SWEEP_WORKFLOW_ID,
  journeyEventSignal,
  stateQuery,
  sunsetStateQuery,
  sunsetSweepStateQuery,
  sunsetWorkflowId,
  sweepNowSignal,
  type JourneyEvent,
} from '../../workflows/messages';
import { sunset } from '../../workflows/sunset';
import { sunsetSweep } from '../../workflows/sunset-sweep';
import type { Activities } from '../../activities';
import type { StillLapsed, SweepBatch } from '../../activities/sunset';
import type { SendOutcome } from '../../activities/types';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const config = defaultJourneysConfig.sunset;
const days = (ms: number) => Math.round((ms / DAY) * 100) / 100;

/**
 * The customer as the sunset's activities see them: whether they are still lapsed at the start,
 * and their engagement with other emails (what `sunsetIfUnengaged` finds at the end). Typed
 * fakes of the real activities.
 */
function customer(env: TestWorkflowEnvironment, options: { stillLapsed?: StillLapsed; engagedElsewhereAt?: () => number | null } = {}) {
  const marks: { at: number; since: string }[] = [];
  const activities: Pick<Activities, 'stillLapsed' | 'sunsetIfUnengaged'> = {
    stillLapsed: async () => options.stillLapsed ?? { lapsed: true },
    sunsetIfUnengaged: async ({ since }) => {
      const at = options.engagedElsewhereAt?.() ?? null;
      if (at !== null && at >= Date.parse(since)) return { engagedAt: new Date(at).toISOString(), how: 'clicked', sunset: false };
      marks.push({ at: await env.currentTimeMs(), since });
      return { engagedAt: null, how: null, sunset: true };
    },
  };
  return { activities, marks };
}

let seq = 0;
const lapsedSince = '2026-01-01T00:00:00.000Z';
const lapsedEvent = (customerId: string, at: number): JourneyEvent =>
  ({ id: `customer.lapsed:${customerId}:${lapsedSince}`, type: 'customer.lapsed', customerId, occurredAt: new Date(at).toISOString(), properties: { lapsedSince } }) as unknown as JourneyEvent;
const clicked = (customerId: string, at: number): JourneyEvent => ({
  id: `email.clicked:${++seq}`,
  type: 'email.clicked',
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: { messageId: seq, workflowId: sunsetWorkflowId(customerId), journey: 'sunset', step: 'sunset-check' },
});
const orderPlaced = (customerId: string, at: number): JourneyEvent => ({
  id: `evt-order-${++seq}`,
  type: 'order.placed',
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: { orderId: `o-${seq}`, total: 30, currency: 'EUR', items: [{ productId: 'tea', title: 'Tea', price: 30, quantity: 1 }] },
});

describe('sunset journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  /** As the relay starts it: signal-with-start with the lapse event. */
  async function lapse(customerId: string, taskQueue: string) {
    const t0 = await env.currentTimeMs();
    const handle = await env.client.workflow.signalWithStart(sunset, {
      workflowId: sunsetWorkflowId(customerId),
      taskQueue,
      args: [{ customerId, lapsedSince, config }],
      signal: journeyEventSignal,
      signalArgs: [lapsedEvent(customerId, t0)],
    });
    return { handle, t0 };
  }

  test('asks at once, and marks the customer unengaged 14 days later without an open, click or order', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, t0 } = await lapse('c-silent', taskQueue);
      await handle.result();
      assert.deepEqual(
        fake.sent.map((s) => [s.input.template, days(s.at - t0)]),
        [['sunset-check', 0]],
      );
      const [ask] = fake.sent.map((s) => s.input);
      assert.equal(ask.idempotencyKey, `sunset/c-silent/sunset-check/${lapsedSince}`, 'one question per lapse');
      assert.equal(ask.category, 'marketing');
      assert.equal(ask.onCap, 'defer');
      assert.deepEqual(ask.data, { graceAfter: '14 days' });
      assert.equal(c.marks.length, 1);
      assert.equal(days(c.marks[0].at - t0), 14);
      assert.ok(Math.abs(Date.parse(c.marks[0].since) - t0) < 60_000, 'engagement counted from the check at the start');
      const state = await handle.query(sunsetStateQuery);
      assert.equal(state.step, 'unengaged');
      assert.equal(state.data.outcome, 'unengaged');
    });
  });

  test('a click of the "keep me" button within the grace period ends it at once: the customer stays', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle } = await lapse('c-keeps', taskQueue);
      await env.sleep(5 * DAY);
      await handle.signal(journeyEventSignal, clicked('c-keeps', await env.currentTimeMs()));
      await handle.result();
      assert.equal(fake.sent.length, 1);
      assert.equal(c.marks.length, 0, 'not marked unengaged');
      const state = await handle.query(stateQuery);
      assert.equal(state.step, 'stays');
    });
  });

  test('an order mid-way ends it at once: nothing more is sent and nobody is marked', async () => {
    const fake = fakeSend(env);
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle, t0 } = await lapse('c-buys', taskQueue);
      await env.sleep(7 * DAY);
      await handle.signal(journeyEventSignal, orderPlaced('c-buys', await env.currentTimeMs()));
      await handle.result();
      const ended = (await handle.describe()).closeTime!.getTime();
      assert.equal(days(ended - t0), 7, 'ended on the order, not at the end of the grace period');
      assert.equal(fake.sent.length, 1, 'only the question');
      assert.equal(c.marks.length, 0);
      assert.equal((await handle.query(sunsetStateQuery)).data.outcome, 'stays');
    });
  });

  test('engagement with another email during the grace period is found at the end: the customer stays', async () => {
    const fake = fakeSend(env);
    let elsewhere: number | null = null;
    const c = customer(env, { engagedElsewhereAt: () => elsewhere });
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle } = await lapse('c-elsewhere', taskQueue);
      await env.sleep(3 * DAY);
      elsewhere = await env.currentTimeMs();
      await handle.result();
      assert.equal(c.marks.length, 0);
      const state = await handle.query(sunsetStateQuery);
      assert.equal(state.step, 'stays');
      assert.match(state.details, /^clicked on /);
    });
  });

  test('asks nothing when the customer is no longer lapsed at the start (engaged, or inside win-back)', async () => {
    for (const reason of ['engaged', 'in_win_back', 'not_a_recipient'] as const) {
      const fake = fakeSend(env);
      const c = customer(env, { stillLapsed: { lapsed: false, reason } });
      await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
        const { handle } = await lapse(`c-${reason}`, taskQueue);
        await handle.result();
        assert.equal(fake.sent.length, 0, reason);
        assert.equal(c.marks.length, 0, reason);
        assert.equal((await handle.query(sunsetStateQuery)).data.outcome, 'not-asked');
      });
    }
  });

  test('a question the send path skips (no consent by now) marks nobody', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'no_consent' }));
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      const { handle } = await lapse('c-withdrew', taskQueue);
      await handle.result();
      assert.equal(fake.sent.length, 1);
      assert.equal(c.marks.length, 0);
      const { details } = await handle.query(stateQuery);
      assert.match(details, /no_consent/);
      // The lapse's event id pins it: no later pass asks about this lapse, only a new one does.
      assert.match(details, /not asked again for this lapse/);
    });
  });

  test('an order while the question waits for the frequency cap drops it', async () => {
    let retryAt = '';
    const fake = fakeSend(env, (): SendOutcome => ({ status: 'deferred', reason: 'frequency_cap', retryAt }));
    const c = customer(env);
    await withWorker(env, { ...fake.activities, ...c.activities }, async (taskQueue) => {
      retryAt = new Date((await env.currentTimeMs()) + 16 * HOUR).toISOString();
      const { handle } = await lapse('c-capped', taskQueue);
      await env.sleep(2 * HOUR);
      await handle.signal(journeyEventSignal, orderPlaced('c-capped', await env.currentTimeMs()));
      await handle.result();
      assert.equal(fake.sent.length, 1, 'asked once, deferred, never asked again');
      assert.equal(c.marks.length, 0);
      assert.equal((await handle.query(sunsetStateQuery)).data.outcome, 'stays');
    });
  });
});

describe('sunset sweep', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  /** A shop of `customers` ids (sorted), `lapsed` of them lapsed; batches of `size`. */
  function shop(customers: string[], lapsed: Set<string>, size: number, maxPerPass = 10_000) {
    const calls: { after: string | null; passAt: string; at: number }[] = [];
    const handedOver: string[] = [];
    const activities: Pick<Activities, 'sweepLapsedRecipients'> = {
      sweepLapsedRecipients: async ({ after, passAt }): Promise<SweepBatch> => {
        calls.push({ after, passAt, at: await env.currentTimeMs() });
        const batch = customers.filter((id) => after === null || id > after).slice(0, size);
        const found = batch.filter((id) => lapsed.has(id) && !handedOver.includes(id));
        handedOver.push(...found);
        return { scanned: batch.length, handedOver: found.length, next: batch.length < size ? null : batch.at(-1)!, paused: false, sweepEvery: '1 day', maxPerPass };
      },
    };
    return { activities, calls, handedOver };
  }

  test('walks every customer in bounded batches, hands over the lapsed ones, and passes again a day later', async () => {
    const customers = Array.from({ length: 7 }, (_, i) => `c-${i}`);
    const s = shop(customers, new Set(['c-1', 'c-4', 'c-6']), 3);
    await withWorker(env, { ...fakeSend(env).activities, ...s.activities }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await env.client.workflow.start(sunsetSweep, { workflowId: SUNSET_SWEEP_WORKFLOW_ID, taskQueue, args: [{}] });
      await env.sleep(HOUR);
      assert.deepEqual(
        s.calls.map((c) => c.after),
        [null, 'c-2', 'c-5'],
        'three batches of at most 3 customers, each after the last one read',
      );
      assert.equal(new Set(s.calls.map((c) => c.passAt)).size, 1, 'one reference time for the whole pass');
      assert.deepEqual(s.handedOver, ['c-1', 'c-4', 'c-6']);
      const state = await handle.query(sunsetSweepStateQuery);
      assert.equal(state.step, 'waiting-for-next-pass');
      assert.deepEqual({ passes: state.data.passes, lapsedFound: state.data.lapsedFound }, { passes: 1, lapsedFound: 3 });

      await env.sleep(DAY);
      assert.equal(s.calls.length, 6, 'the second pass a day after the first');
      assert.equal(days(s.calls[3].at - t0), 1);

      // An operator (or a test) asks for a pass now.
      await handle.signal(sweepNowSignal);
      await env.sleep(HOUR);
      assert.equal(s.calls.length, 9);
      assert.ok(days(s.calls[6].at - t0) < 1.2, 'the asked-for pass ran at once');
      await handle.terminate('test done');
    });
  });

  test('a pass ends once it has handed over the day\'s share; the next pass goes on with the rest', async () => {
    const customers = Array.from({ length: 7 }, (_, i) => `c-${i}`);
    const s = shop(customers, new Set(['c-1', 'c-4', 'c-6']), 3, 2);
    await withWorker(env, { ...fakeSend(env).activities, ...s.activities }, async (taskQueue) => {
      const handle = await env.client.workflow.start(sunsetSweep, { workflowId: `${SUNSET_SWEEP_WORKFLOW_ID}-share`, taskQueue, args: [{}] });
      await env.sleep(HOUR);
      assert.deepEqual(s.calls.map((c) => c.after), [null, 'c-2'], 'the pass stopped after the batch that reached 2');
      assert.deepEqual(s.handedOver, ['c-1', 'c-4']);
      await env.sleep(DAY);
      assert.deepEqual(s.handedOver, ['c-1', 'c-4', 'c-6'], 'the next day, the one left');
      assert.deepEqual(s.calls.slice(2).map((c) => c.after), [null, 'c-2', 'c-5']);
      await handle.terminate('test done');
    });
  });
});
