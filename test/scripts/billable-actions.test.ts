import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { countBillableActions } from '../../scripts/billable-actions';

const E = temporal.api.enums.v1.EventType;
type Event = temporal.api.history.v1.IHistoryEvent;
const history = (events: Omit<Event, 'eventId'>[]) => ({ events: events.map((e, i) => ({ ...e, eventId: i + 1 })) as unknown as Event[] });
const keyword = (value: string) => ({ metadata: {}, data: Buffer.from(JSON.stringify(value)) });

test('counts actions the way Temporal Cloud bills them', () => {
  const count = countBillableActions(
    history([
      { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
      { eventType: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
      // signal-with-start: one action with the start
      { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, workflowExecutionSignaledEventAttributes: {} },
      { eventType: E.EVENT_TYPE_WORKFLOW_TASK_STARTED },
      { eventType: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED },
      { eventType: E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { JourneyStep: keyword('a'), CustomerId: keyword('c') } } } },
      // patched() marks the version: exempt
      { eventType: E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { TemporalChangeVersion: keyword('p') } } } },
      // two local activities in one workflow task: one action
      { eventType: E.EVENT_TYPE_MARKER_RECORDED, markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { eventType: E.EVENT_TYPE_MARKER_RECORDED, markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { eventType: E.EVENT_TYPE_MARKER_RECORDED, markerRecordedEventAttributes: { markerName: 'core_patch' } },
      { eventType: E.EVENT_TYPE_TIMER_STARTED },
      { eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED },
      // retried twice: three attempts
      { eventType: E.EVENT_TYPE_ACTIVITY_TASK_STARTED, activityTaskStartedEventAttributes: { attempt: 3 } },
      { eventType: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED },
      { eventType: E.EVENT_TYPE_MARKER_RECORDED, markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, workflowExecutionSignaledEventAttributes: {} },
      // sent by another workflow: billed to the sender
      { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, workflowExecutionSignaledEventAttributes: { externalWorkflowExecution: { workflowId: 'x' } } },
      { eventType: E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED },
      { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED },
      { eventType: E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED },
      { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW },
    ]),
  );
  assert.deepEqual(count, {
    starts: 2,
    signals: 2,
    timers: 1,
    activities: 3,
    localActivityTasks: 2,
    upserts: 1,
    updates: 1,
    children: 2,
    total: 14,
  });
});
