import { z } from 'zod';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadJourneysConfig, type JourneysConfig } from './journeys';
import { isDurationWithUnit, toMs } from '../shared/durations';

/** PSEUDONYM_SECRET when it is not set: derived from TOKEN_SECRET (so every process agrees). */
export function defaultPseudonymSecret(tokenSecret: string): string {
  return createHmac('sha256', tokenSecret).update('journeys pseudonyms').digest('base64url');
}

/** WORKER_ISOLATE_EXECUTION_TIMEOUT's default (see WorkerTuning); test workers use it too. */
export const WORKER_ISOLATE_EXECUTION_TIMEOUT_DEFAULT = '30 seconds';

/**
 * The process environment, parsed once. Entry points call `loadConfig()` and pass the result
 * down; nothing else reads process.env, so a typo fails at start-up, not at the first send.
 */
const port = z.coerce.number().int().min(0).max(65535);
const poolSize = z.coerce.number().int().min(1).max(100);

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  API_KEY: z.string().min(16, 'API_KEY must be at least 16 characters').optional(),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  API_REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(30),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_CACHE_SECONDS: z.coerce.number().min(0).max(3600).default(15),
  DATABASE_URL: z.string().url('DATABASE_URL must be a postgres:// URL').optional(),
  DATABASE_POOL_SIZE: poolSize.default(16),
  RELAY_DATABASE_POOL_SIZE: poolSize.default(4),
  WORKER_DATABASE_POOL_SIZE: poolSize.default(10),
  DISPATCH_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  DISPATCH_PARALLELISM: z.coerce.number().int().min(1).max(256).default(32),
  DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  DISPATCH_DEAD_LETTER_HOLD: z
    .string()
    .refine((v) => v.toLowerCase() === 'forever' || isDurationWithUnit(v), "a duration such as '15 minutes', '0 seconds' or 'forever'")
    .default('15 minutes'),
  DISPATCH_HOLD_UNTIL_QUIET: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('journeys'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  TEMPORAL_PAYLOAD_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'TEMPORAL_PAYLOAD_KEY must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  RESEND_API_KEY: z.string().optional(),
  RESEND_BASE_URL: z.string().url().optional(),
  RESEND_WEBHOOK_SECRET: z.string().optional(),
  RESEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(55_000).default(20_000),
  SEND_RATE_PER_SECOND: z.coerce.number().min(0).optional(),
  SHOP_WEBHOOK_URL: z.string().url('SHOP_WEBHOOK_URL must be an http(s) URL').optional(),
  SHOP_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'SHOP_WEBHOOK_SECRET must be whsec_ followed by at least 18 bytes of base64')
    .optional(),
  MAIL_FROM: z.string().default('Journeys Shop <shop@example.com>'),
  SHOP_NAME: z.string().default('Journeys Shop'),
  POSTAL_ADDRESS: z.string().default('Journeys Shop, 1 Example Street, 10115 Berlin, Germany'),
  MAIL_REPLY_TO: z
    .string()
    .regex(/^([^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'MAIL_REPLY_TO must be an address (help@shop.example) or "Name <help@shop.example>"')
    .optional(),
  SHOP_LOCALE: z
    .string()
    .refine(isLocaleTag, 'SHOP_LOCALE must be a BCP 47 locale such as en, de-DE or ar')
    .default('en'),
  MARKETING_EMAILS_PER_WEEK: z.coerce.number().int().min(0).max(50).default(2),
  EMAIL_MESSAGES_FILE: z.string().optional(),
  PUBLIC_URL: z.string().url().default('http://127.0.0.1:3000'),
  SHOP_URL: z.string().url().optional(),
  TOKEN_SECRET: z.string().min(16, 'TOKEN_SECRET must be at least 16 characters').optional(),
  PSEUDONYM_SECRET: z.string().min(16, 'PSEUDONYM_SECRET must be at least 16 characters').optional(),
  DATA_DIR: z.string().default('.data'),
  JOURNEYS_CONFIG_FILE: z.string().optional(),
  NURTURE_CATALOG_FILE: z.string().optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(500),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1_000).default(40),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1_000).default(20),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(1_000).default(20),
  WORKER_WORKFLOW_POLLERS: z.coerce.number().int().min(2).max(100).default(4),
  WORKER_ACTIVITY_POLLERS: z.coerce.number().int().min(1).max(100).default(4),
  WORKER_ISOLATE_EXECUTION_TIMEOUT: z
    .string()
    .refine((v) => isDurationWithUnit(v) && toMs(v as never) >= 1_000, "a duration of at least '1 second', such as '30 seconds'")
    .default(WORKER_ISOLATE_EXECUTION_TIMEOUT_DEFAULT),
});

export interface Config {
  env: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  api: {
    host: string;
    port: number;
    key: string;
    keyGenerated: boolean;
    /** requests per minute per API key on /v1 (0: no limit) */
    rateLimitPerMinute: number;
    /** a request (headers and body) must arrive within this */
    requestTimeoutMs: number;
  };
  /** the embedded stack (`npm start`): the local outbox page is open to the local browser */
  embedded: boolean;
  metrics: { token: string | undefined; cacheSeconds: number };
  /** one pool each for the API, the event relay and the worker, so none starves the others */
  database: { url: string | undefined; poolSize: number; relayPoolSize: number; workerPoolSize: number };
  dispatch: DispatchSettings;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey: string | undefined;
    tls: boolean;
    /** AES-256 key that encrypts every payload in Temporal (client and worker); unset: payloads in clear */
    payloadKey: Buffer | undefined;
    uiPort: number;
  };
  mail: {
    transport: 'resend' | 'outbox';
    resendApiKey: string | undefined;
    resendBaseUrl: string | undefined;
    webhookSecret: string | undefined;
    /** abort a Resend request after this long (it is retried with the same idempotency key) */
    resendTimeoutMs: number;
    /**
     * sends per second across every worker (the sends task queue's server-side limit);
     * undefined = no limit
     */
    sendRatePerSecond: number | undefined;
    from: string;
    shopName: string;
    postalAddress: string;
    /** Reply-To of every email: replies reach a person (unset: replies go to `from`) */
    replyTo: string | undefined;
    /** what the welcome email says about how often marketing mail comes */
    marketingEmailsPerWeek: number;
  };
  /** copy for customers whose language we do not ship, and the shop's own wording per language */
  locales: {
    /** SHOP_LOCALE: the default locale (its language falls back to English when not shipped) */
    shopLocale: string;
    /** EMAIL_MESSAGES_FILE (default content/email-messages.json) */
    messageOverridesFile: string | undefined;
  };
  /**
   * The shop's endpoint for our consent webhooks (unsubscribed, re-subscribed, suppressed),
   * signed with `secret`; undefined = none are sent (they still queue in shop_webhooks).
   */
  shopWebhook: { url: string; secret: string } | undefined;
  /** where this API is reachable from a recipient's mail client (unsubscribe, tracking links) */
  publicUrl: string;
  /** the shop's storefront, for "visit the shop" buttons (default: PUBLIC_URL) */
  shopUrl: string;
  tokenSecret: string;
  /** keys the pseudonyms erasure leaves in place of a customer id (default: derived from TOKEN_SECRET) */
  pseudonymSecret: string;
  dataDir: string;
  journeys: JourneysConfig;
  /** the lead-nurture content catalog (default: content/nurture-catalog.json) */
  nurtureCatalogFile: string | undefined;
  worker: WorkerTuning;
  /** a prebuilt workflow bundle for the worker (else it bundles workflows/ at start) */
  workflowBundlePath: string | undefined;
}

/**
 * How much the worker keeps in memory and runs at once. A sleeping journey costs nothing
 * unless it sits in the sticky cache: the cache bound is what keeps memory flat as sleeping
 * journeys grow (an evicted journey replays its short history when its timer fires).
 */
export interface WorkerTuning {
  /** journeys kept in the sticky workflow cache */
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTasks: number;
  /** sends render and hit the database: more than the pool can serve only queues in memory */
  maxConcurrentActivities: number;
  maxConcurrentLocalActivities: number;
  workflowPollers: number;
  activityPollers: number;
  /**
   * How long one workflow activation may run before the SDK calls it a deadlock. The SDK's
   * 5 s is too tight for a loaded machine: with the shared V8 context (reuseV8Context, the
   * default that keeps memory low) an activation that overruns it does not fail its task, it
   * crashes the whole worker process ("async hook stack has become corrupted";
   * temporalio/sdk-typescript#939). Our journeys never loop without yielding, so only a
   * starved CPU can make an activation that slow.
   */
  isolateExecutionTimeoutMs: number;
}

/** How the event relay moves stored events to Temporal. */
export interface DispatchSettings {
  /** head-of-line events claimed at once (one per customer) */
  batchSize: number;
  /** customers dispatched at the same time */
  parallelism: number;
  /** failed attempts after which an event is dead-lettered (Temporal being unreachable does not count) */
  maxAttempts: number;
  /** how long a dead letter keeps its customer's later events waiting; null = until retried */
  deadLetterHoldMs: number | null;
  /** hold journeys that first wait for quiet (carts, views, win-back) in Postgres until the wait is over (ingest/held-starts.ts) */
  holdUntilQuiet?: boolean;
}

export class ConfigError extends Error {}

function isLocaleTag(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/**
 * Resend's default team limit is 2–5 requests per second; 4 keeps all workers together inside
 * it. The local outbox has no such limit. 0 turns the limit off.
 */
const RESEND_DEFAULT_SENDS_PER_SECOND = 4;

function sendRate(configured: number | undefined, resend: boolean): number | undefined {
  if (configured === 0) return undefined;
  return configured ?? (resend ? RESEND_DEFAULT_SENDS_PER_SECOND : undefined);
}

/**
 * Entry points read a `.env` file in the working directory when there is one (`cp .env.example
 * .env`). Variables already set in the environment win; empty ones count as unset.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * @param env defaults to process.env
 * @param options.allowGeneratedSecrets the embedded launcher may invent API_KEY / TOKEN_SECRET;
 *   production entry points must be given them.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { allowGeneratedSecrets?: boolean; embedded?: boolean } = {},
): Config {
  // An empty variable (`FOO=` in .env or compose's `${FOO:-}`) means "not set".
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const generate = options.allowGeneratedSecrets ?? false;
  if (!e.API_KEY && !generate) throw new ConfigError('API_KEY is required (at least 16 characters)');
  if (!e.TOKEN_SECRET && !generate) throw new ConfigError('TOKEN_SECRET is required (at least 16 characters)');
  if (e.SHOP_WEBHOOK_URL && !e.SHOP_WEBHOOK_SECRET) {
    throw new ConfigError('SHOP_WEBHOOK_SECRET is required with SHOP_WEBHOOK_URL (whsec_ followed by base64)');
  }
  if (e.NODE_ENV === 'production' && !e.RESEND_API_KEY) {
    throw new ConfigError(
      'RESEND_API_KEY is required with NODE_ENV=production: without it mail goes to the local outbox, which keeps every ' +
        'recipient, coupon code and working unsubscribe link on this server and is meant for the embedded stack (npm start) only',
    );
  }
  const tokenSecret = e.TOKEN_SECRET ?? randomBytes(32).toString('base64url');
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      key: e.API_KEY ?? `dev_${randomBytes(18).toString('base64url')}`,
      keyGenerated: !e.API_KEY,
      rateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
      requestTimeoutMs: e.API_REQUEST_TIMEOUT_SECONDS * 1000,
    },
    embedded: options.embedded ?? false,
    metrics: { token: e.METRICS_TOKEN, cacheSeconds: e.METRICS_CACHE_SECONDS },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      relayPoolSize: e.RELAY_DATABASE_POOL_SIZE,
      workerPoolSize: e.WORKER_DATABASE_POOL_SIZE,
    },
    dispatch: {
      batchSize: e.DISPATCH_BATCH_SIZE,
      parallelism: e.DISPATCH_PARALLELISM,
      maxAttempts: e.DISPATCH_MAX_ATTEMPTS,
      deadLetterHoldMs: /^forever$/i.test(e.DISPATCH_DEAD_LETTER_HOLD) ? null : toMs(e.DISPATCH_DEAD_LETTER_HOLD as never),
      holdUntilQuiet: e.DISPATCH_HOLD_UNTIL_QUIET,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS,
      payloadKey: e.TEMPORAL_PAYLOAD_KEY ? Buffer.from(e.TEMPORAL_PAYLOAD_KEY, 'base64') : undefined,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    mail: {
      transport: e.RESEND_API_KEY ? 'resend' : 'outbox',
      resendApiKey: e.RESEND_API_KEY,
      resendBaseUrl: e.RESEND_BASE_URL,
      webhookSecret: e.RESEND_WEBHOOK_SECRET,
      resendTimeoutMs: e.RESEND_TIMEOUT_MS,
      sendRatePerSecond: sendRate(e.SEND_RATE_PER_SECOND, Boolean(e.RESEND_API_KEY)),
      from: e.MAIL_FROM,
      shopName: e.SHOP_NAME,
      postalAddress: e.POSTAL_ADDRESS,
      replyTo: e.MAIL_REPLY_TO,
      marketingEmailsPerWeek: e.MARKETING_EMAILS_PER_WEEK,
    },
    locales: { shopLocale: e.SHOP_LOCALE, messageOverridesFile: e.EMAIL_MESSAGES_FILE },
    shopWebhook: e.SHOP_WEBHOOK_URL ? { url: e.SHOP_WEBHOOK_URL, secret: e.SHOP_WEBHOOK_SECRET! } : undefined,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    shopUrl: (e.SHOP_URL ?? e.PUBLIC_URL).replace(/\/$/, ''),
    tokenSecret,
    pseudonymSecret: e.PSEUDONYM_SECRET ?? defaultPseudonymSecret(tokenSecret),
    dataDir: e.DATA_DIR,
    journeys: loadJourneysConfig(e.JOURNEYS_CONFIG_FILE),
    nurtureCatalogFile: e.NURTURE_CATALOG_FILE,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    worker: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentLocalActivities: e.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      workflowPollers: Math.min(e.WORKER_WORKFLOW_POLLERS, e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS),
      activityPollers: Math.min(e.WORKER_ACTIVITY_POLLERS, e.WORKER_MAX_CONCURRENT_ACTIVITIES),
      isolateExecutionTimeoutMs: toMs(e.WORKER_ISOLATE_EXECUTION_TIMEOUT as never),
    },
  };
}
