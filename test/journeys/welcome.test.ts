import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { welcome, type WelcomeInput } from '../../workflows/welcome';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';
import type { Activities } from '../../activities';

/** The shop's bestsellers as the last nudge's activity reads them from Postgres. */
const bestsellers: Activities['lastNudgeContent'] = async () => ({
  kind: 'bestsellers',
  items: [{ productId: 'sencha', title: 'Sencha', price: 12.5, currency: 'EUR', url: 'https://shop.example.com/p/sencha' }],
});
/** A worker's activities: the fake send path and the nudge's content. */
const shop = (fake: ReturnType<typeof fakeSend>, lastNudgeContent = bestsellers) => ({ ...fake.activities, lastNudgeContent });

const created = (customerId: string): ShopEvent => ({
  id: `evt-created-${customerId}`,
  type: 'customer.created',
  customerId,
  occurredAt: '2026-01-01T00:00:00.000Z',
  properties: { email: `${customerId}@example.com`, marketingConsent: true },
});

const orderPlaced = (customerId: string, id = 'evt-order-1'): ShopEvent => ({
  id,
  type: 'order.placed',
  customerId,
  occurredAt: '2026-01-02T00:00:00.000Z',
  properties: { orderId: 'o-1', total: 30, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: 30, quantity: 1 }] },
});

describe('welcome journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function start(customerId: string, taskQueue: string) {
    return env.client.workflow.signalWithStart(welcome, {
      workflowId: `welcome/${customerId}`,
      taskQueue,
      args: [{ customerId, config: defaultJourneysConfig.welcome }],
      signal: journeyEventSignal,
      signalArgs: [created(customerId)],
    });
  }

  test('sends the welcome email at once, the reminder 3 days later and the last nudge on day 14 when no order arrives', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('c-no-order', taskQueue);
      const t0 = await env.currentTimeMs();
      await handle.result();
      assert.deepEqual(
        fake.sent.map((s) => s.input.template),
        ['welcome', 'welcome-reminder', 'welcome-last-nudge'],
      );
      const [first, reminder, nudge] = fake.sent;
      assert.ok(first.at - t0 < HOUR, 'welcome email goes out at once');
      assert.ok(Math.abs(nudge.at - t0 - 14 * DAY) < HOUR, `last nudge ${(nudge.at - t0) / DAY} days after sign-up`);
      assert.equal(nudge.input.idempotencyKey, 'welcome/c-no-order/welcome-last-nudge');
      assert.equal(nudge.input.category, 'marketing');
      assert.equal(nudge.input.sendWindow, undefined, 'standard send window: quiet hours and the cap apply');
      assert.equal(nudge.input.coupon, undefined, 'no code in the nudge');
      assert.equal(nudge.input.promotes, true, 'bestsellers re-checked for stock at send');
      assert.deepEqual(nudge.input.data, { items: [{ productId: 'sencha', title: 'Sencha', price: 12.5, currency: 'EUR', url: 'https://shop.example.com/p/sencha' }] });
      const gap = reminder.at - first.at;
      assert.ok(gap >= 3 * DAY && gap < 3 * DAY + HOUR, `reminder ${gap / HOUR}h after the welcome`);
      assert.equal(first.input.idempotencyKey, 'welcome/c-no-order/welcome-email');
      assert.equal(reminder.input.idempotencyKey, 'welcome/c-no-order/welcome-reminder');
      assert.equal(first.input.category, 'marketing');
      // Both emails show the same code: the coupon request has one key.
      assert.equal(first.input.coupon?.key, reminder.input.coupon?.key);
      assert.equal(first.input.coupon?.percentOff, 10);
      assert.equal(first.input.coupon?.validFor, '7 days');
    });
  });

  test('a flood of events while it waits: the journey continues as new and still reminds once, 3 days after the welcome', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(welcome, {
        workflowId: 'welcome/c-flood',
        taskQueue,
        args: [{ customerId: 'c-flood', config: defaultJourneysConfig.welcome, historyLimit: 20 }],
        signal: journeyEventSignal,
        signalArgs: [created('c-flood')],
      });
      await env.sleep(HOUR);
      for (let i = 0; i < 15; i++) await handle.signal(journeyEventSignal, { ...created('c-flood'), id: `evt-again-${i}` });
      await env.client.workflow.getHandle('welcome/c-flood').result();
      const firstRun = await env.client.workflow.getHandle('welcome/c-flood', handle.signaledRunId).describe();
      assert.equal(firstRun.status.name, 'CONTINUED_AS_NEW');
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder', 'welcome-last-nudge']);
      const [first, reminder, nudge] = fake.sent;
      const gap = reminder.at - first.at;
      assert.ok(gap >= 3 * DAY && gap < 3 * DAY + HOUR, `reminder ${gap / HOUR}h after the welcome`);
      assert.equal(reminder.input.idempotencyKey, 'welcome/c-flood/welcome-reminder');
      assert.ok(Math.abs(nudge.at - first.at - 14 * DAY) < HOUR, 'the nudge still on day 14');
    });
  });

  test('the welcome email declares the immediate send window, the reminder the standard one; configurable', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      await (await start('c-windows', taskQueue)).result();
      assert.deepEqual(
        fake.sent.map((s) => [s.input.step, s.input.sendWindow ?? 'standard']),
        [['welcome-email', 'immediate'], ['welcome-reminder', 'standard'], ['welcome-last-nudge', 'standard']],
      );
      const standard = {
        ...defaultJourneysConfig.welcome,
        sendWindows: { 'welcome-email': 'standard', 'welcome-reminder': 'immediate', 'welcome-last-nudge': 'immediate' } as const,
      };
      const handle = await env.client.workflow.signalWithStart(welcome, {
        workflowId: 'welcome/c-windows-configured',
        taskQueue,
        args: [{ customerId: 'c-windows-configured', config: standard }],
        signal: journeyEventSignal,
        signalArgs: [created('c-windows-configured')],
      });
      await handle.result();
      assert.deepEqual(
        fake.sent.slice(3).map((s) => [s.input.step, s.input.sendWindow ?? 'standard']),
        [['welcome-email', 'standard'], ['welcome-reminder', 'immediate'], ['welcome-last-nudge', 'immediate']],
      );
    });
  });

  test('sends no reminder after an order arrives on day 2', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('c-orders', taskQueue);
      await env.sleep(2 * DAY);
      await handle.signal(journeyEventSignal, orderPlaced('c-orders'));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome']);
      const state = await handle.query(stateQuery).catch(() => undefined);
      if (state) assert.equal(state.step, 'done');
    });
  });

  test('ignores a redelivered customer.created signal (no second welcome email)', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('c-dupes', taskQueue);
      await handle.signal(journeyEventSignal, created('c-dupes'));
      await env.sleep(4 * DAY);
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder', 'welcome-last-nudge']);
    });
  });

  test('sends no reminder when the welcome email was skipped (no consent)', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'no_consent' }));
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('c-no-consent', taskQueue);
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome']);
    });
  });

  test('waits out a deferral and sends with the same idempotency key', async () => {
    const fake = fakeSend(env, async (_input, n) =>
      n === 1
        ? { status: 'deferred', reason: 'quiet_hours', retryAt: new Date((await env.currentTimeMs()) + 8 * HOUR).toISOString() }
        : { status: 'sent', messageId: n, providerMessageId: `p${n}` },
    );
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('c-deferred', taskQueue);
      await handle.result();
      const keys = fake.sent.map((s) => s.input.idempotencyKey);
      assert.deepEqual(keys.slice(0, 2), ['welcome/c-deferred/welcome-email', 'welcome/c-deferred/welcome-email']);
      assert.ok(fake.sent[1].at - fake.sent[0].at >= 8 * HOUR, 'retried after the window opened');
    });
  });
});

describe('welcome journey with a reminder configured past the code expiry', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  test('sends no reminder about a code that has expired, and still the last nudge', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(welcome, {
        workflowId: 'welcome/c-expired-code',
        taskQueue,
        args: [{ customerId: 'c-expired-code', config: { ...defaultJourneysConfig.welcome, reminderAfter: '8 days' } }],
        signal: journeyEventSignal,
        signalArgs: [created('c-expired-code')],
      });
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-last-nudge']);
    });
  });
});

describe('welcome journey: the last nudge', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  function start(customerId: string, taskQueue: string, config: WelcomeInput['config'] = defaultJourneysConfig.welcome, historyLimit?: number) {
    return env.client.workflow.signalWithStart(welcome, {
      workflowId: `welcome/${customerId}`,
      taskQueue,
      args: [{ customerId, config, ...(historyLimit ? { historyLimit } : {}) }],
      signal: journeyEventSignal,
      signalArgs: [created(customerId)],
    });
  }

  test('an order between the reminder and day 14: no nudge, the journey ends with the order', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('n-orders', taskQueue);
      const t0 = await env.currentTimeMs();
      await env.sleep(10 * DAY);
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder']);
      assert.equal((await handle.query(stateQuery)).step, 'waiting-for-last-nudge');
      await handle.signal(journeyEventSignal, orderPlaced('n-orders'));
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder']);
      const { closeTime } = await handle.describe();
      assert.ok(closeTime!.getTime() - t0 < 10 * DAY + HOUR, 'ends with the order, not on day 14');
    });
  });

  test('lastNudge false: the series ends after the reminder', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('n-off', taskQueue, { ...defaultJourneysConfig.welcome, lastNudge: false });
      const t0 = await env.currentTimeMs();
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder']);
      const { closeTime } = await handle.describe();
      assert.ok(closeTime!.getTime() - t0 < 3 * DAY + HOUR, 'done after the reminder');
    });
  });

  test('pick content: the piece from the content catalog, nothing to re-check for stock; the nudge after a configured delay', async () => {
    const fake = fakeSend(env);
    const asked: unknown[] = [];
    const piece = { id: 'tea-green-vs-black', title: 'Green, black, oolong', summary: 'One plant, three teas.', url: 'https://shop.example.com/journal/green-vs-black' };
    const content: Activities['lastNudgeContent'] = async (req) => {
      asked.push(req);
      return { kind: 'content', piece };
    };
    await withWorker(env, shop(fake, content), async (taskQueue) => {
      const handle = await start('n-content', taskQueue, { ...defaultJourneysConfig.welcome, lastNudge: { after: '10 days', pick: 'content' } });
      const t0 = await env.currentTimeMs();
      await handle.result();
      assert.deepEqual(asked, [{ customerId: 'n-content', pick: 'content' }]);
      const nudge = fake.sent[2];
      assert.equal(nudge.input.template, 'welcome-last-nudge');
      assert.deepEqual(nudge.input.data, { piece });
      assert.equal(nudge.input.promotes, false);
      assert.ok(Math.abs(nudge.at - t0 - 10 * DAY) < HOUR, 'on day 10');
    });
  });

  test('an order the journey never heard of (an import) or nothing to show: no nudge', async () => {
    const fake = fakeSend(env);
    const answers: Record<string, Awaited<ReturnType<Activities['lastNudgeContent']>>> = { 'n-imported': { kind: 'ordered' }, 'n-nothing': { kind: 'nothing' } };
    await withWorker(env, shop(fake, async (req) => answers[req.customerId]), async (taskQueue) => {
      for (const customerId of Object.keys(answers)) {
        const handle = await start(customerId, taskQueue);
        await handle.result();
        assert.deepEqual(fake.sent.filter((s) => s.input.customerId === customerId).map((s) => s.input.template), ['welcome', 'welcome-reminder']);
        assert.match((await handle.query(stateQuery)).details, /no last nudge/);
      }
    });
  });

  test('the reminder skipped at the cap: the nudge still comes on day 14', async () => {
    const fake = fakeSend(env, (input) =>
      input.step === 'welcome-reminder' ? { status: 'skipped', reason: 'frequency_cap' } : { status: 'sent', messageId: 1, providerMessageId: 'p' },
    );
    await withWorker(env, shop(fake), async (taskQueue) => {
      await (await start('n-capped', taskQueue)).result();
      assert.deepEqual(fake.sent.map((s) => s.input.step), ['welcome-email', 'welcome-reminder', 'welcome-last-nudge']);
    });
  });

  test('a flood of events while it waits for the nudge: continues as new and nudges once, on day 14', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const handle = await start('n-flood', taskQueue, defaultJourneysConfig.welcome, 20);
      const t0 = await env.currentTimeMs();
      await env.sleep(5 * DAY);
      const waiting = await env.client.workflow.getHandle('welcome/n-flood').describe();
      for (let i = 0; i < 15; i++) await handle.signal(journeyEventSignal, { ...created('n-flood'), id: `evt-again-${i}` });
      await env.client.workflow.getHandle('welcome/n-flood').result();
      const run = await env.client.workflow.getHandle('welcome/n-flood', waiting.runId).describe();
      assert.equal(run.status.name, 'CONTINUED_AS_NEW', 'the run waiting for the nudge continued as new');
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder', 'welcome-last-nudge']);
      assert.ok(Math.abs(fake.sent[2].at - t0 - 14 * DAY) < HOUR, 'still on day 14');
    });
  });

  test('a journey started before the nudge existed (no lastNudge in its input, state carried without nudgeDueAt): the reminder and no nudge', async () => {
    const fake = fakeSend(env);
    await withWorker(env, shop(fake), async (taskQueue) => {
      const { lastNudge: _none, ...rest } = defaultJourneysConfig.welcome;
      const older: WelcomeInput['config'] = { ...rest, sendWindows: { 'welcome-email': 'immediate', 'welcome-reminder': 'standard' } };
      const plain = await start('n-older', taskQueue, older);
      await plain.result();
      const now = await env.currentTimeMs();
      const carried = await env.client.workflow.start(welcome, {
        workflowId: 'welcome/n-older-carried',
        taskQueue,
        args: [{ customerId: 'n-older-carried', config: older, carried: { kit: { seenEventIds: [] }, state: { reminderDueAt: now + DAY } } }],
      });
      await carried.result();
      const steps = (c: string) => fake.sent.filter((s) => s.input.customerId === c).map((s) => s.input.step);
      assert.deepEqual(steps('n-older'), ['welcome-email', 'welcome-reminder']);
      assert.deepEqual(steps('n-older-carried'), ['welcome-reminder']);
    });
  });
});
