import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Logger } from 'pino';
import type { JourneysConfig } from '../config/journeys';
import type { RestockListener } from '../api/routes/products';
import { JourneyKey } from '../workflows/kit';
import { productRestockedSignal, restockWorkflowId, type BackInStockRestockInput } from '../workflows/back-in-stock';

/**
 * PUT /v1/products/:id took stock from 0 to more: start (or nudge) the product's restock
 * coordinator, which wakes waiting back-in-stock subscribers in batches.
 */
export function wakeBackInStockSubscribers(deps: {
  client: Client;
  taskQueue: string;
  config: JourneysConfig['backInStock'];
  log: Logger;
}): RestockListener {
  return async (productId, stock) => {
    const input: BackInStockRestockInput = { productId, config: deps.config };
    try {
      await deps.client.workflow.signalWithStart('backInStockRestock', {
        workflowId: restockWorkflowId(productId),
        taskQueue: deps.taskQueue,
        args: [input],
        signal: productRestockedSignal,
        signalArgs: [{ stock }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([{ key: JourneyKey, value: 'back-in-stock-restock' }]),
        staticSummary: `Back-in-stock restock of ${productId}: wake waiting subscribers in batches`,
      });
    } catch (err) {
      // The stock change is already stored; failing the PUT now would not undo it.
      deps.log.error({ err, productId, stock }, 'could not wake back-in-stock subscribers');
    }
  };
}
