import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, orderNoticeWorkflowId, stateQuery } from '../../workflows/messages';
import { orderNotice, type OrderNoticeInput } from '../../workflows/order-notice';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const orderChangeItems: Activities['orderChangeItems'] = async ({ items }) =>
  (items ?? []).map((item) => ({ title: item.productId === 'sencha' ? 'Sencha green tea' : item.productId, quantity: item.quantity }));

describe('order notice journey (transactional)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function run(taskQueue: string, change: OrderNoticeInput['change'], type: ShopEvent['type']) {
    const handle = await env.client.workflow.signalWithStart(orderNotice, {
      workflowId: orderNoticeWorkflowId('o-1', change.eventId),
      taskQueue,
      args: [{ customerId: 'c-1', orderId: 'o-1', change, config: defaultJourneysConfig.orderNotice }],
      signal: journeyEventSignal,
      signalArgs: [{ id: change.eventId, type, customerId: 'c-1', occurredAt: '2026-03-01T10:00:00.000Z', properties: { orderId: 'o-1' } } as ShopEvent],
    });
    const t0 = await env.currentTimeMs();
    await handle.result();
    return { handle, t0 };
  }

  test('a partial refund sends the refund notice at once with the amount and the refunded products, then ends', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, orderChangeItems }, async (taskQueue) => {
      const { handle, t0 } = await run(
        taskQueue,
        { eventId: 'evt-refund-1', kind: 'refunded', items: [{ productId: 'sencha', quantity: 1 }], refund: { amount: 12, currency: 'EUR' } },
        'order.refunded',
      );
      assert.equal(fake.sent.length, 1);
      const [notice] = fake.sent;
      assert.ok(notice.at - t0 < HOUR, 'at once');
      assert.equal(notice.input.category, 'transactional');
      assert.equal(notice.input.template, 'order-change');
      assert.equal(notice.input.step, 'refund-notice');
      assert.equal(notice.input.idempotencyKey, 'order-notice/o-1/evt-refund-1/refund-notice');
      assert.deepEqual(notice.input.data, { kind: 'refunded', orderId: 'o-1', items: [{ title: 'Sencha green tea', quantity: 1 }], refund: { amount: 12, currency: 'EUR' } });
      assert.equal((await handle.query(stateQuery)).details, 'refunded notice sent');
    });
  });

  test('a whole-order cancellation and a return send their notices without item lines', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, orderChangeItems }, async (taskQueue) => {
      await run(taskQueue, { eventId: 'evt-cancel-1', kind: 'cancelled' }, 'order.cancelled');
      await run(taskQueue, { eventId: 'evt-return-1', kind: 'returned' }, 'order.returned');
      assert.deepEqual(
        fake.sent.map((s) => [s.input.step, s.input.data.items]),
        [['cancellation-notice', []], ['return-notice', []]],
      );
    });
  });

  test('a notice the send path skips (suppressed address) ends the journey with the reason', async () => {
    const fake = fakeSend(env, () => ({ status: 'skipped', reason: 'suppressed' }));
    await withWorker(env, { ...fake.activities, orderChangeItems }, async (taskQueue) => {
      const { handle } = await run(taskQueue, { eventId: 'evt-cancel-2', kind: 'cancelled' }, 'order.cancelled');
      assert.equal(fake.sent.length, 1);
      assert.equal((await handle.query(stateQuery)).details, 'cancelled notice not sent (suppressed)');
    });
  });
});
