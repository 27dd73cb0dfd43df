/**
 * Records a journey's event history for the replay test: `npx tsx test/replay/record.ts welcome`.
 * Run it before changing a journey; commit the JSON; then test/replay/replay.test.ts proves the
 * changed code still replays what running journeys already did (else: `patched()`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal } from '../../workflows/kit';
import { fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

type Scenario = (env: TestWorkflowEnvironment, taskQueue: string) => Promise<string>;

const scenarios: Record<string, Scenario> = {
  /** welcome email, three quiet days, the reminder */
  async welcome(env, taskQueue) {
    const handle = await env.client.workflow.signalWithStart('welcome', {
      workflowId: 'welcome/replay-customer',
      taskQueue,
      args: [{ customerId: 'replay-customer', config: defaultJourneysConfig.welcome }],
      signal: journeyEventSignal,
      signalArgs: [
        {
          id: 'evt-replay-1',
          type: 'customer.created',
          customerId: 'replay-customer',
          occurredAt: '2026-01-01T00:00:00.000Z',
          properties: { email: 'replay@example.com', marketingConsent: true },
        },
      ],
    });
    await handle.result();
    return handle.workflowId;
  },
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`usage: record.ts <${Object.keys(scenarios).join('|')}>`);
  const env = await startTimeSkipping();
  try {
    const fake = fakeSend(env);
    const history = await withWorker(env, fake.activities, async (taskQueue) => {
      const workflowId = await scenario(env, taskQueue);
      return env.client.workflow.getHandle(workflowId).fetchHistory();
    });
    const file = join(__dirname, 'histories', `${name}-${new Date().toISOString().slice(0, 10)}.binpb`);
    // Binary protobuf: lossless for payload bytes and 64-bit ids, and what History.decode reads.
    writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
    console.log(`recorded ${history.events?.length} events to ${file}`);
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
