import { temporal } from '@temporalio/proto';

/**
 * Temporal Cloud's billable actions in one run's event history, after
 * https://docs.temporal.io/cloud/actions:
 * - a workflow start (client start, continue-as-new, child) is one; signal-with-start is one in
 *   all, whether or not it started the run;
 * - every signal, timer, search-attribute upsert (one per command, however many attributes; the
 *   TemporalChangeVersion attribute `patched()` sets is exempt), accepted update, and every
 *   activity attempt (start or retry);
 * - local activities: one per workflow task that recorded any (not one per activity);
 * - a child workflow: two (its start and its execution).
 * Queries are billed too but leave no trace in a history; they are counted by the caller.
 */
export interface ActionCount {
  starts: number;
  signals: number;
  timers: number;
  activities: number;
  localActivityTasks: number;
  upserts: number;
  updates: number;
  children: number;
  total: number;
}

const E = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export function emptyCount(): ActionCount {
  return { starts: 0, signals: 0, timers: 0, activities: 0, localActivityTasks: 0, upserts: 0, updates: 0, children: 0, total: 0 };
}

export function countBillableActions(history: temporal.api.history.v1.IHistory): ActionCount {
  const count = emptyCount();
  const events = history.events ?? [];
  let workflowTaskStarted = false;
  let startSignalSeen = false;
  /** workflow tasks (by their WorkflowTaskCompleted event id) that recorded a local activity */
  const localActivityTasks = new Set<number>();
  let lastCompletedTask = 0;
  for (const event of events) {
    switch (event.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        count.starts++;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        // the next run's start
        count.starts++;
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        workflowTaskStarted = true;
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        lastCompletedTask = Number(event.eventId);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // Journeys start by signal-with-start: its signal lands before the first workflow task
        // runs and is paid by the start. A signal from another workflow is paid by its sender.
        if (!workflowTaskStarted && !startSignalSeen) startSignalSeen = true;
        else if (!event.workflowExecutionSignaledEventAttributes?.externalWorkflowExecution) count.signals++;
        break;
      case E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        count.signals++;
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        count.timers++;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        // written once, when the activity closes, with the attempt that closed it
        count.activities += event.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case E.EVENT_TYPE_MARKER_RECORDED:
        if (isLocalActivityMarker(event)) localActivityTasks.add(lastCompletedTask);
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        if (!onlyChangeVersion(event)) count.upserts++;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        count.updates++;
        break;
      case E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        count.children += 2;
        break;
    }
  }
  count.localActivityTasks = localActivityTasks.size;
  count.total = total(count);
  return count;
}

function isLocalActivityMarker(event: HistoryEvent): boolean {
  return event.markerRecordedEventAttributes?.markerName === 'core_local_activity';
}

function onlyChangeVersion(event: HistoryEvent): boolean {
  const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
  return fields.length > 0 && fields.every((f) => f === 'TemporalChangeVersion');
}

function total(c: Omit<ActionCount, 'total'>): number {
  return c.starts + c.signals + c.timers + c.activities + c.localActivityTasks + c.upserts + c.updates + c.children;
}

export function addCounts(a: ActionCount, b: ActionCount): ActionCount {
  const sum = emptyCount();
  for (const key of Object.keys(sum) as (keyof ActionCount)[]) sum[key] = a[key] + b[key];
  return sum;
}
