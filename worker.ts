import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from './activities';
import { createOutboxMailer } from './activities/email/outbox-mailer';
import { createResendMailer } from './activities/email/resend-mailer';
import type { Mailer } from './activities/email/mailer';
import { loadConfig, loadDotEnv, type Config, type WorkerTuning } from './config/env';
import { createPool } from './db/pool';
import { createLogger } from './runtime/logger';
import { connectWorker } from './runtime/temporal';

export function createMailer(config: Config, db: Pool): Mailer {
  return config.mail.transport === 'resend'
    ? createResendMailer({ apiKey: config.mail.resendApiKey!, baseUrl: config.mail.resendBaseUrl })
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
  } satisfies Partial<WorkerOptions>;
}

/** The worker that runs every journey and its activities on the task queue. */
export async function createJourneysWorker(options: {
  config: Config;
  db: Pool;
  connection: NativeConnection;
  mailer?: Mailer;
  /** a prebuilt bundle (tests reuse one); default: bundle workflows/ at start */
  workflowBundle?: { code: string };
}): Promise<Worker> {
  const { config, db, connection } = options;
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workerTuningOptions(config.worker),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({
      db,
      mailer: options.mailer ?? createMailer(config, db),
      config: {
        publicUrl: config.publicUrl,
        shopUrl: config.shopUrl,
        tokenSecret: config.tokenSecret,
        mail: config.mail,
        journeys: config.journeys,
        nurtureCatalogPath: config.nurtureCatalogFile,
      },
    }),
  });
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'worker');
  if (!config.database.url) throw new Error('DATABASE_URL is required (npm start runs an embedded database)');
  const db = createPool(config.database.url, config.database.poolSize);
  const connection = await connectWorker(config);
  const worker = await createJourneysWorker({ config, db, connection });
  log.info({ taskQueue: config.temporal.taskQueue, mail: config.mail.transport }, 'worker running');
  // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done.
  await worker.run();
  await connection.close();
  await db.end();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
