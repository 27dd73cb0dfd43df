import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { welcome } from '../../workflows/welcome';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

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

  test('sends the welcome email at once and the reminder 3 days later when no order arrives', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('c-no-order', taskQueue);
      const t0 = await env.currentTimeMs();
      await handle.result();
      assert.deepEqual(
        fake.sent.map((s) => s.input.template),
        ['welcome', 'welcome-reminder'],
      );
      const [first, reminder] = fake.sent;
      assert.ok(first.at - t0 < HOUR, 'welcome email goes out at once');
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
    await withWorker(env, fake.activities, async (taskQueue) => {
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
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder']);
      const [first, reminder] = fake.sent;
      const gap = reminder.at - first.at;
      assert.ok(gap >= 3 * DAY && gap < 3 * DAY + HOUR, `reminder ${gap / HOUR}h after the welcome`);
      assert.equal(reminder.input.idempotencyKey, 'welcome/c-flood/welcome-reminder');
    });
  });

  test('the welcome email declares the immediate send window, the reminder the standard one; configurable', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      await (await start('c-windows', taskQueue)).result();
      assert.deepEqual(
        fake.sent.map((s) => [s.input.step, s.input.sendWindow ?? 'standard']),
        [['welcome-email', 'immediate'], ['welcome-reminder', 'standard']],
      );
      const standard = { ...defaultJourneysConfig.welcome, sendWindows: { 'welcome-email': 'standard', 'welcome-reminder': 'immediate' } as const };
      const handle = await env.client.workflow.signalWithStart(welcome, {
        workflowId: 'welcome/c-windows-configured',
        taskQueue,
        args: [{ customerId: 'c-windows-configured', config: standard }],
        signal: journeyEventSignal,
        signalArgs: [created('c-windows-configured')],
      });
      await handle.result();
      assert.deepEqual(
        fake.sent.slice(2).map((s) => [s.input.step, s.input.sendWindow ?? 'standard']),
        [['welcome-email', 'standard'], ['welcome-reminder', 'immediate']],
      );
    });
  });

  test('sends no reminder after an order arrives on day 2', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
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
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await start('c-dupes', taskQueue);
      await handle.signal(journeyEventSignal, created('c-dupes'));
      await env.sleep(4 * DAY);
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome', 'welcome-reminder']);
    });
  });

  test('sends no reminder when the welcome email was skipped (no consent)', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'no_consent' }));
    await withWorker(env, fake.activities, async (taskQueue) => {
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
    await withWorker(env, fake.activities, async (taskQueue) => {
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

  test('sends no reminder about a code that has expired', async () => {
    const fake = fakeSend(env);
    await withWorker(env, fake.activities, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(welcome, {
        workflowId: 'welcome/c-expired-code',
        taskQueue,
        args: [{ customerId: 'c-expired-code', config: { ...defaultJourneysConfig.welcome, reminderAfter: '8 days' } }],
        signal: journeyEventSignal,
        signalArgs: [created('c-expired-code')],
      });
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.template), ['welcome']);
    });
  });
});
