import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, stateQuery } from '../../workflows/messages';
import { vip } from '../../workflows/vip';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const config = defaultJourneysConfig.vip;

/** The orders table as vipStanding reads it: the projection stores an order before dispatch. */
function ordersTable() {
  const totals: number[] = [];
  const activities: Pick<Activities, 'vipStanding'> = {
    vipStanding: async () => {
      return {
        orderCount: totals.length,
        lifetimeRevenue: totals.reduce((a, b) => a + b, 0),
        currency: 'EUR',
        invitedAt: null,
      };
    },
  };
  return {
    activities,
    place(customerId: string, total = 50): ShopEvent {
      totals.push(total);
      const orderId = `${customerId}-o${totals.length}`;
      return {
        id: `evt-${orderId}`,
        type: 'order.placed',
        customerId,
        occurredAt: new Date().toISOString(),
        properties: { orderId, total, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: total, quantity: 1 }] },
      };
    },
  };
}

describe('VIP journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  /** What the relay does for the vip route: signal-with-start, never restarted once closed. */
  function dispatch(event: ShopEvent, taskQueue: string) {
    return env.client.workflow.signalWithStart(vip, {
      workflowId: `vip/${event.customerId}`,
      taskQueue,
      args: [{ customerId: event.customerId, config }],
      signal: journeyEventSignal,
      signalArgs: [event],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  }

  test('invites at the 5th order, once, with the exclusive reward', async () => {
    const fake = fakeSend(env);
    const orders = ordersTable();
    await withWorker(env, { ...fake.activities, ...orders.activities }, async (taskQueue) => {
      let handle = await dispatch(orders.place('c-five'), taskQueue);
      for (let n = 2; n <= 4; n++) {
        await env.sleep(24 * HOUR);
        handle = await dispatch(orders.place('c-five'), taskQueue);
      }
      await env.sleep(HOUR);
      assert.equal(fake.sent.length, 0, 'no invitation at 4 orders');
      assert.match((await handle.query(stateQuery)).details, /^4 of 5 orders/);

      await dispatch(orders.place('c-five'), taskQueue);
      await handle.result();
      assert.equal(fake.sent.length, 1);
      const { input } = fake.sent[0];
      assert.equal(input.template, 'vip-invitation');
      assert.equal(input.idempotencyKey, 'vip/c-five/vip-invitation');
      assert.deepEqual(input.data, { orderCount: 5 });
      assert.deepEqual(input.coupon, { key: 'vip/c-five', percentOff: 20, validFor: '30 days' });
      assert.equal(input.category, 'marketing');
      assert.equal(input.onCap, 'defer');

      // The 6th order finds the journey closed: the relay's start is refused, nothing is sent.
      await assert.rejects(dispatch(orders.place('c-five'), taskQueue), WorkflowExecutionAlreadyStartedError);
      assert.equal(fake.sent.length, 1);
    });
  });

  test('invites on lifetime revenue before the 5th order', async () => {
    const fake = fakeSend(env);
    const orders = ordersTable();
    await withWorker(env, { ...fake.activities, ...orders.activities }, async (taskQueue) => {
      const handle = await dispatch(orders.place('c-big', 400), taskQueue);
      await env.sleep(HOUR);
      await dispatch(orders.place('c-big', 650), taskQueue);
      await handle.result();
      assert.deepEqual(fake.sent.map((s) => s.input.data), [{ orderCount: 2 }]);
    });
  });

  test('concurrent orders crossing the threshold send one invitation', async () => {
    const fake = fakeSend(env);
    const orders = ordersTable();
    await withWorker(env, { ...fake.activities, ...orders.activities }, async (taskQueue) => {
      const first = await dispatch(orders.place('c-rush'), taskQueue);
      await env.sleep(HOUR);
      // Eight orders at the same moment, each dispatched (and one redelivered) concurrently.
      const burst = Array.from({ length: 8 }, () => orders.place('c-rush'));
      const results = await Promise.allSettled([...burst, burst[0]].map((e) => dispatch(e, taskQueue)));
      await first.result();
      await env.sleep(HOUR);
      assert.equal(fake.sent.length, 1, 'exactly one invitation');
      assert.equal(fake.sent[0].input.idempotencyKey, 'vip/c-rush/vip-invitation');
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof WorkflowExecutionAlreadyStartedError, String(r.reason));
      }
    });
  });

  test('an invitation that could not be sent is tried again at the next order', async () => {
    const fake = fakeSend(env, (_input, n) =>
      n === 1 ? { status: 'skipped', reason: 'no_consent' } : { status: 'sent', messageId: n, providerMessageId: `p${n}` },
    );
    const orders = ordersTable();
    await withWorker(env, { ...fake.activities, ...orders.activities }, async (taskQueue) => {
      const handle = await dispatch(orders.place('c-consent', 1200), taskQueue);
      await env.sleep(HOUR);
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'still waiting after the skipped invitation');
      await dispatch(orders.place('c-consent'), taskQueue);
      await handle.result();
      assert.deepEqual(
        fake.sent.map((s) => s.input.idempotencyKey),
        ['vip/c-consent/vip-invitation', 'vip/c-consent/vip-invitation/1'],
      );
    });
  });

  test('sends nothing when an earlier run already invited the customer', async () => {
    const fake = fakeSend(env);
    const activities: Pick<Activities, 'vipStanding'> = {
      vipStanding: async () => ({ orderCount: 9, lifetimeRevenue: 900, currency: 'EUR', invitedAt: '2025-01-01T00:00:00.000Z' }),
    };
    const orders = ordersTable();
    await withWorker(env, { ...fake.activities, ...activities }, async (taskQueue) => {
      const handle = await dispatch(orders.place('c-old-vip'), taskQueue);
      await handle.result();
      assert.equal(fake.sent.length, 0);
    });
  });
});
