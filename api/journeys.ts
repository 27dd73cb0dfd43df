import type { Client } from '@temporalio/client';
import { CustomerIdKey, JourneyKey, JourneyStepKey, stateQuery, type JourneyStateView } from '../workflows/messages';

export interface JourneySummary {
  workflowId: string;
  runId: string;
  journey: string;
  status: string;
  step: string | null;
  nextWakeUp: string | null;
  startedAt: string;
  closedAt: string | null;
}

/**
 * The visibility query for one customer's journeys. Customer ids come from the shop: quotes and
 * backslashes are escaped so an id can never change the query.
 */
export function customerJourneysQuery(customerId: string): string {
  const escaped = customerId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `${CustomerIdKey.name} = '${escaped}'`;
}

/** A customer's journeys, found by the CustomerId search attribute; running ones report their state. */
export async function listCustomerJourneys(client: Client, customerId: string, limit = 100): Promise<JourneySummary[]> {
  const out: JourneySummary[] = [];
  for await (const wf of client.workflow.list({ query: customerJourneysQuery(customerId) })) {
    let state: JourneyStateView | undefined;
    if (wf.status.name === 'RUNNING') {
      state = await client.workflow
        .getHandle(wf.workflowId, wf.runId)
        .query(stateQuery)
        .catch(() => undefined);
    }
    const step = state?.step ?? wf.typedSearchAttributes.get(JourneyStepKey) ?? null;
    out.push({
      workflowId: wf.workflowId,
      runId: wf.runId,
      // The journey's name as the message log and stats use it ('abandoned-cart'), not the workflow type.
      journey: wf.typedSearchAttributes.get(JourneyKey) ?? wf.type,
      status: wf.status.name,
      step,
      nextWakeUp: state?.nextWakeUp ?? null,
      startedAt: wf.startTime.toISOString(),
      closedAt: wf.closeTime?.toISOString() ?? null,
    });
    if (out.length >= limit) break;
  }
  return out;
}
