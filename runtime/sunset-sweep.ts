import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { sunsetSweep } from '../workflows/sunset-sweep';
import { JourneyKey, MARKETING_PRIORITY, SUNSET_SWEEP_WORKFLOW_ID } from '../workflows/messages';

/**
 * Start the sunset sweep unless it runs: one coordinator per namespace and task queue, whoever
 * calls first (every API replica calls this at start and then hourly, so a sweep that was
 * terminated, or a Temporal that was down at start, is back within the hour). Idempotent.
 */
export async function ensureSunsetSweep(client: Client, taskQueue: string): Promise<'started' | 'running'> {
  try {
    await client.workflow.start(sunsetSweep, {
      workflowId: SUNSET_SWEEP_WORKFLOW_ID,
      taskQueue,
      args: [{}],
      typedSearchAttributes: new TypedSearchAttributes([{ key: JourneyKey, value: SUNSET_SWEEP_WORKFLOW_ID }]),
      staticSummary: 'Sunset sweep: every day, finds marketing recipients without an open, click or order for 120 days and starts their sunset journeys',
      priority: { priorityKey: MARKETING_PRIORITY },
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw err;
  }
}
