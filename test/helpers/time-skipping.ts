import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import { testSdkLogger } from './sdk-logger';
import { testServerExecutable } from '../../dev/temporal-binaries';
import { registerSearchAttributes } from '../../runtime/search-attributes';
import type { Activities } from '../../activities';
import type { SendMessageInput, SendOutcome } from '../../activities/types';
import { workflowBundle } from './workflow-bundle';
import { sendsTaskQueue } from '../../workflows/messages';
import { WORKER_ISOLATE_EXECUTION_TIMEOUT_DEFAULT } from '../../config/env';
import { toMs } from '../../shared/durations';

/** The production worker's activation limit: the SDK's 5 s crashes a test worker on a loaded machine (see WorkerTuning). */
const isolateExecutionTimeout = toMs(WORKER_ISOLATE_EXECUTION_TIMEOUT_DEFAULT);

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: testSdkLogger() });
}

/**
 * A time-skipping Temporal environment for journey timeline tests, with the journeys' search
 * attributes registered (the test server, like a real one, rejects unknown attributes).
 */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * Run `fn` with a worker on a fresh task queue executing the real workflows and the given
 * (fake) activities.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: Partial<Activities>,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    isolateExecutionTimeout,
  } as Parameters<typeof Worker.create>[0]);
  // Journeys schedule their sends on the sends queue next to their own, as in production.
  const sends = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: sendsTaskQueue(taskQueue),
    activities: activities.sendMessage ? { sendMessage: activities.sendMessage } : {},
  });
  return sends.runUntil(worker.runUntil(fn(taskQueue)));
}

export interface RecordedSend {
  input: SendMessageInput;
  /** workflow-clock time of the send, as ms since the epoch */
  at: number;
}

/**
 * A typed fake of the send activity: records each call with the (skipped) test-server time
 * and answers with `decide` (default: sent).
 */
export function fakeSend(
  env: TestWorkflowEnvironment,
  decide: (input: SendMessageInput, n: number) => SendOutcome | Promise<SendOutcome> = () => ({
    status: 'sent',
    messageId: 1,
    providerMessageId: 'fake',
  }),
) {
  const sent: RecordedSend[] = [];
  const sendMessage = async (input: SendMessageInput): Promise<SendOutcome> => {
    const at = await env.currentTimeMs();
    sent.push({ input, at });
    return decide(input, sent.length);
  };
  return { sent, activities: { sendMessage } satisfies Partial<Activities> };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
