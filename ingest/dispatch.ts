import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Pool } from 'pg';
import type { JourneysConfig } from '../config/journeys';
import { CustomerIdKey, JourneyKey } from '../workflows/messages';
import { routesFor, signalFor, type RouteLookups, type RouteMatch, type RoutedEvent } from './routes';

export function routeLookups(db: Pool): RouteLookups {
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

/** A Temporal that is down or unreachable must fail the attempt (the relay retries later), not hang the relay. */
export const DISPATCH_DEADLINE_MS = 15_000;

/**
 * Deliver one stored event to every journey its routes name. Safe to repeat: a start of a
 * journey that exists becomes a signal, and journeys drop an event id they have seen. The
 * journeys of one event are independent of each other, so their calls go out together.
 */
export async function dispatchEvent(deps: DispatchDeps, event: RoutedEvent): Promise<void> {
  const matches = await routesFor(event, routeLookups(deps.db));
  if (!matches.length) return;
  await deps.client.withDeadline(Date.now() + DISPATCH_DEADLINE_MS, async () => {
    const outcomes = await Promise.allSettled(matches.map((m) => deliver(deps, event, m)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  });
}

async function deliver(deps: DispatchDeps, event: RoutedEvent, { route, action }: RouteMatch): Promise<void> {
  const workflowId = route.workflowId(event);
  const signal = signalFor(route, event);
  if (action === 'signal') {
    try {
      await deps.client.workflow.getHandle(workflowId).signal(signal.definition, ...(signal.args as [never]));
    } catch (err) {
      // No such journey running: nothing to tell it.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return;
  }
  try {
    await deps.client.workflow.signalWithStart(route.workflow, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [route.input(event as never, deps.journeys)],
      signal: signal.definition,
      signalArgs: signal.args as [never],
      workflowIdReusePolicy:
        // 'never' still lets a run that was terminated (erasure) or failed start again for a
        // fresh customer under the same id; a completed journey stays done. A restarted run
        // cannot mail twice: its sends hit the same ledger keys.
        route.restart === 'never'
          ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
          : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: new TypedSearchAttributes([
        ...(route.customerScoped === false ? [] : [{ key: CustomerIdKey, value: event.customerId }]),
        { key: JourneyKey, value: route.name },
      ]),
      staticSummary: route.summary,
    });
  } catch (err) {
    // A 'never restart' journey that already ran its course for this id.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
