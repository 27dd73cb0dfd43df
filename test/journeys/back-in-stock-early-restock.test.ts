import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { defaultJourneysConfig } from '../../config/journeys';
import type { Activities } from '../../activities';
import { backInStockWorkflowId, journeyEventSignal, productRestockedSignal, sendsTaskQueue } from '../../workflows/messages';
import { backInStock } from '../../workflows/back-in-stock';
import { fakeSend, startTimeSkipping } from '../helpers/time-skipping';
import { workflowBundle } from '../helpers/workflow-bundle';

/**
 * Seen in the fault-injection run: a subscriber's journey whose first workflow task came late
 * (its worker busy or restarting) received the restock batch's signal in that same first task.
 * The signal was applied when the handler was set, before the journey took note of what it had
 * seen, so it counted as old news and the journey waited for the next restock.
 */
test('a restock signalled before the journey ran its first task still alerts the subscriber', async () => {
  const env = await startTimeSkipping();
  try {
    const taskQueue = `early-restock-${randomUUID()}`;
    const requestedAt = new Date(await env.currentTimeMs()).toISOString();
    const handle = await env.client.workflow.signalWithStart(backInStock, {
      workflowId: backInStockWorkflowId('c-late', 'pot-late'),
      taskQueue,
      args: [{ customerId: 'c-late', productId: 'pot-late', requestedAt, config: defaultJourneysConfig.backInStock }],
      signal: journeyEventSignal,
      signalArgs: [{ id: 'req-c-late', type: 'back_in_stock.requested', customerId: 'c-late', occurredAt: requestedAt, properties: { productId: 'pot-late' } }],
    });
    // The coordinator's batch reaches the journey before any worker has run it.
    await handle.signal(productRestockedSignal, { stock: 3 });

    const send = fakeSend(env);
    const activities: Partial<Activities> = {
      ...send.activities,
      findProducts: async (ids) =>
        ids.map((id) => ({ productId: id, title: 'Kyusu teapot', price: 64, currency: 'EUR', url: `https://shop.example.com/p/${id}`, stock: 3 })),
      settleBackInStockSubscription: async () => undefined,
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    const sends = await Worker.create({ connection: env.nativeConnection, taskQueue: sendsTaskQueue(taskQueue), activities: { sendMessage: send.activities.sendMessage } });
    await sends.runUntil(
      worker.runUntil(async () => {
        await handle.result();
        assert.deepEqual(send.sent.map((s) => s.input.template), ['back-in-stock']);
      }),
    );
  } finally {
    await env.teardown();
  }
});
