import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { Duration } from '@temporalio/common';
import { createActivities } from './activities';
import { createOutboxMailer } from './activities/email/outbox-mailer';
import { createResendMailer } from './activities/email/resend-mailer';
import type { Mailer } from './activities/email/mailer';
import { defaultMessageOverridesPath, loadMessageOverrides } from './activities/email/message-overrides';
import { loadConfig, loadDotEnv, type Config, type WorkerTuning } from './config/env';
import { createPool } from './db/pool';
import { createLogger } from './runtime/logger';
import { payloadDataConverter } from './runtime/payload-codec';
import { connectWorker } from './runtime/temporal';
import { heartbeatWhileRunning } from './runtime/activity-heartbeat';
import { sendsTaskQueue } from './workflows/messages';
import { enqueueEvents } from './ingest/store';

export function createMailer(config: Config, db: Pool): Mailer {
  return config.mail.transport === 'resend'
    ? createResendMailer({
        apiKey: config.mail.resendApiKey!,
        baseUrl: config.mail.resendBaseUrl,
        timeoutMs: config.mail.resendTimeoutMs,
      })
    : createOutboxMailer(db);
}

/** The worker options WORKER_* set (see config/env.ts for why the defaults are what they are). */
export function workerTuningOptions(tuning: WorkerTuning) {
  return {
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
    maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivities,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.activityPollers },
    // Not in WorkerOptions' type ("not exposed at the moment"), but honoured: Worker.create
    // spreads the options it is given over its defaults (see WorkerTuning for why we set it).
    isolateExecutionTimeout: tuning.isolateExecutionTimeoutMs,
  } satisfies Partial<WorkerOptions> & { isolateExecutionTimeout: number };
}
/**
 * A worker process polls two task queues: the journeys' (workflows and every activity but the
 * send) and the sends queue, whose rate the Temporal server limits for all workers together.
 */
export interface JourneysWorker {
  /** resolves once both workers stopped (shutdown(), or SIGINT/SIGTERM) and in-flight tasks are done */
  run(): Promise<void>;
  shutdown(): void;
  getState(): ReturnType<Worker['getState']>;
}

/**
 * On SIGTERM the worker stops polling and lets running activities finish for this long (a send
 * takes well under it); anything still running after that is abandoned and Temporal retries it
 * on another worker when its timeout passes, which the send ledger makes safe.
 */
const SHUTDOWN_GRACE: Duration = '20 seconds';
const SHUTDOWN_FORCE: Duration = '30 seconds';

/** The workers that run every journey and its activities, and the rate-limited sends. */
export async function createJourneysWorker(options: {
  config: Config;
  db: Pool;
  connection: NativeConnection;
  mailer?: Mailer;
  /** a prebuilt bundle (tests reuse one); default: bundle workflows/ at start */
  workflowBundle?: { code: string };
}): Promise<JourneysWorker> {
  const { config, db, connection } = options;
  // A broken message-overrides file stops the worker here, naming every problem, rather than at
  // the first send.
  loadMessageOverrides(config.locales.messageOverridesFile ?? defaultMessageOverridesPath);
  const activities = createActivities({
    db,
    enqueueEvents,
    mailer: options.mailer ?? createMailer(config, db),
    config: {
      publicUrl: config.publicUrl,
      shopUrl: config.shopUrl,
      tokenSecret: config.tokenSecret,
      pseudonymSecret: config.pseudonymSecret,
      mail: config.mail,
      journeys: config.journeys,
      nurtureCatalogPath: config.nurtureCatalogFile,
      shopLocale: config.locales.shopLocale,
      messageOverridesPath: config.locales.messageOverridesFile,
    },
  });
  const tuning = workerTuningOptions(config.worker);
  const common = {
    connection,
    namespace: config.temporal.namespace,
    shutdownGraceTime: SHUTDOWN_GRACE,
    shutdownForceTime: SHUTDOWN_FORCE,
    interceptors: { activity: [heartbeatWhileRunning] },
    dataConverter: payloadDataConverter(config.temporal.payloadKey),
  };
  const journeys = await Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    ...tuning,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : config.workflowBundlePath
        ? { workflowBundle: { codePath: config.workflowBundlePath } }
        : { workflowsPath: require.resolve('./workflows') }),
    // sendMessage stays registered here for sends scheduled before they had their own queue.
    activities,
  });
  const rate = config.mail.sendRatePerSecond;
  const sends = await Worker.create({
    ...common,
    taskQueue: sendsTaskQueue(config.temporal.taskQueue),
    activities: { sendMessage: activities.sendMessage },
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    activityTaskPollerBehavior: tuning.activityTaskPollerBehavior,
    // Server-side: the sum over every worker polling this queue stays under the limit.
    ...(rate ? { maxTaskQueueActivitiesPerSecond: rate } : {}),
  });
  const workers = [journeys, sends];
  return {
    async run() {
      // If one worker fails, stop the other so run() settles instead of half a worker running on.
      await Promise.all(
        workers.map((w) =>
          w.run().catch((err) => {
            for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
            throw err;
          }),
        ),
      );
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    getState: () => journeys.getState(),
  };
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'worker');
  if (!config.database.url) throw new Error('DATABASE_URL is required (npm start runs an embedded database)');
  const db = createPool(config.database.url, config.database.workerPoolSize);
  const connection = await connectWorker(config);
  const worker = await createJourneysWorker({ config, db, connection });
  log.info(
    { taskQueue: config.temporal.taskQueue, mail: config.mail.transport, sendRatePerSecond: config.mail.sendRatePerSecond ?? 'unlimited' },
    'worker running',
  );
  // run() resolves after SIGINT/SIGTERM (the SDK's runtime handles them) once in-flight tasks
  // are done or the grace time is over.
  await worker.run();
  log.info('worker stopped');
  await connection.close();
  await db.end();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
