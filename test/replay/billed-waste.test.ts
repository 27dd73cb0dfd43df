import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { playScenario, scenarioNames } from './record';

/**
 * Every search-attribute upsert is a billed action: one that sets what the attributes already
 * hold (the CustomerId and Journey the run was started with, the step it is already at) is
 * money for nothing.
 */
test('no journey upserts a search attribute to the value it already has', async () => {
  const wasted: string[] = [];
  for (const name of scenarioNames) {
    const { history } = await playScenario(name);
    const events = history.events ?? [];
    const current = new Map<string, string>();
    const started = events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? {};
    for (const [key, payload] of Object.entries(started)) current.set(key, Buffer.from(payload.data ?? []).toString());
    for (const event of events) {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      if (!fields || event.eventType !== temporal.api.enums.v1.EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) continue;
      const values = Object.entries(fields).map(([key, payload]) => [key, Buffer.from(payload.data ?? []).toString()] as const);
      if (values.every(([key, value]) => current.get(key) === value)) {
        wasted.push(`${name} event ${event.eventId}: ${values.map(([k, v]) => `${k}=${v}`).join(', ')}`);
      }
      for (const [key, value] of values) current.set(key, value);
    }
  }
  assert.deepEqual(wasted, []);
});

test('an order journey waits for its parcels under one timer, however many shipments arrive', async () => {
  // the scenario: two shipment notices, a repeated one and a delivery within the 60-day limit
  const { history, shop } = await playScenario('order');
  const timers = (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED);
  assert.equal(shop.sent.length, 4, 'confirmation, two shipping notices, delivered notice');
  assert.equal(timers.length, 1);
});

test('the lookups before a post-purchase send are one local-activity task, not an activity each', async () => {
  const { history } = await playScenario('postPurchase');
  const E = temporal.api.enums.v1.EventType;
  const scheduled = (history.events ?? [])
    .filter((e) => e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  assert.deepEqual(scheduled, ['sendMessage', 'sendMessage', 'sendMessage']);
});
