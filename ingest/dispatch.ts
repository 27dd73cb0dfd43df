import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Pool } from 'pg';
import type { JourneysConfig } from '../config/journeys';
import { CustomerIdKey, JourneyKey, journeyEventSignal } from '../workflows/messages';
import type { ShopEvent } from './event-schemas';
import { routesFor, type RouteLookups } from './routes';
import { PRODUCT_RESTOCKED, wakeBackInStockSubscribers, type ProductRestocked } from './restock';

function routeLookups(db: Pool): RouteLookups {
  return {
    async replenishableProducts(productIds) {
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM products WHERE id = ANY($1) AND replenish_days IS NOT NULL',
        [productIds],
      );
      return rows.map((r) => r.id);
    },
  };
}

export interface DispatchDeps {
  db: Pool;
  client: Client;
  taskQueue: string;
  journeys: JourneysConfig;
}

/**
 * Deliver one stored event to every journey its routes name. Safe to repeat: a start of a
 * journey that exists becomes a signal, and journeys drop an event id they have seen.
 */
export async function dispatchEvent(deps: DispatchDeps, event: ShopEvent): Promise<void> {
  // A Temporal that is down or unreachable must fail the attempt (the relay retries later),
  // not hang the relay.
  await deps.client.withDeadline(Date.now() + DISPATCH_DEADLINE_MS, () =>
    (event.type as string) === PRODUCT_RESTOCKED
      ? wakeBackInStockSubscribers(
          { client: deps.client, taskQueue: deps.taskQueue, config: deps.journeys.backInStock },
          event.properties as unknown as ProductRestocked,
        )
      : dispatchToRoutes(deps, event),
  );
}

const DISPATCH_DEADLINE_MS = 15_000;

async function dispatchToRoutes(deps: DispatchDeps, event: ShopEvent): Promise<void> {
  for (const { route, action } of await routesFor(event, routeLookups(deps.db))) {
    const workflowId = route.workflowId(event);
    if (action === 'signal') {
      try {
        await deps.client.workflow.getHandle(workflowId).signal(journeyEventSignal, event);
      } catch (err) {
        // No such journey running: nothing to tell it.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      continue;
    }
    try {
      await deps.client.workflow.signalWithStart(route.journey, {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [route.input(event as never, deps.journeys)],
        signal: journeyEventSignal,
        signalArgs: [event],
        workflowIdReusePolicy:
          // 'never' still lets a run that was terminated (erasure) or failed start again for a
          // fresh customer under the same id; a completed journey stays done. A restarted run
          // cannot mail twice: its sends hit the same ledger keys.
          route.restart === 'never'
            ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
            : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: CustomerIdKey, value: event.customerId },
          // The journey's name as in its workflow id ('abandoned-cart'), like the kit sets it.
          { key: JourneyKey, value: workflowId.split('/')[0] },
        ]),
        staticSummary: route.summary,
      });
    } catch (err) {
      // A 'never restart' journey that already ran its course for this id.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
