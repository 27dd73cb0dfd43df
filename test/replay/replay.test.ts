import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../helpers/workflow-bundle';
import * as journeys from '../../workflows';

/**
 * Every recorded history (test/replay/histories, made by record.ts from an earlier version of
 * a journey) must replay on today's workflow code: a change that would break journeys already
 * in flight fails here and needs `patched()`.
 */
const dir = join(__dirname, 'histories');
// with the runs of a typical customer's first 90 days (scripts/actions.ts --save-customer)
const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.binpb'));

test('recorded histories of earlier journey versions replay on the current code', async () => {
  assert.ok(files.length > 0, 'at least one recorded history');
  const histories = files.map((f) => ({ workflowId: f, history: temporal.api.history.v1.History.decode(readFileSync(join(dir, f))) }));
  const bundle = await workflowBundle();
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.deepEqual(failures, []);
});

test('every journey the worker runs has a recorded history', () => {
  const recorded = new Set(
    files.map((f) => temporal.api.history.v1.History.decode(readFileSync(join(dir, f))).events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name),
  );
  const missing = Object.keys(journeys).filter((name) => !recorded.has(name));
  assert.deepEqual(missing, [], 'add a scenario to test/replay/record.ts and record it');
});
