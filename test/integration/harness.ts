import pino, { type Logger } from 'pino';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { testSdkLogger } from '../helpers/sdk-logger';
import { loadConfig, type Config } from '../../config/env';
import { JourneysConfigSchema, type JourneysConfig } from '../../config/journeys';
import { devServerExecutable } from '../../dev/temporal-binaries';
import { Client } from '@temporalio/client';
import { payloadDataConverter } from '../../runtime/payload-codec';
import { startApi, type RunningApi } from '../../api/server';
import { createJourneysWorker, type JourneysWorker } from '../../worker';
import { journeySearchAttributes } from '../../workflows/messages';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { freePort } from '../helpers/free-port';
import { workflowBundle } from '../helpers/workflow-bundle';

/**
 * The whole system for an integration test: the real API over HTTP, a real Postgres database
 * (fresh per harness), a Temporal dev server (createLocal, with our search attributes), the
 * real worker, and the real resend SDK pointed at a local fake Resend.
 */
export interface Harness {
  url: string;
  apiKey: string;
  config: Config;
  db: TestDatabase['pool'];
  env: TestWorkflowEnvironment;
  resend: FakeResend;
  api: RunningApi;
  worker: JourneysWorker;
  /** fetch against the API with the bearer key and JSON body */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export const TEST_API_KEY = 'test-api-key-0123456789';

let runtimeInstalled = false;

export async function startHarness(
  options: { log?: Logger; journeys?: Partial<Record<keyof JourneysConfig, unknown>>; env?: Record<string, string>; sunsetSweep?: boolean } = {},
): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: testSdkLogger() });
    runtimeInstalled = true;
  }
  const database = await createTestDatabase();
  const resend = await startFakeResend();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      searchAttributes: [...journeySearchAttributes],
    },
  });
  // Links in emails must point at this API, so its port is chosen before the worker starts.
  const port = await freePort();
  const base = loadConfig({
    API_KEY: TEST_API_KEY,
    TOKEN_SECRET: 'test-token-secret-0123456789',
    API_PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: `it-${Math.random().toString(36).slice(2)}`,
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: resend.url,
    MAIL_FROM: 'Test Shop <shop@test.example>',
    LOG_LEVEL: 'silent',
    // The fake Resend has no rate limit; tests that exercise the limit set their own.
    SEND_RATE_PER_SECOND: '0',
    ...options.env,
  });
  // Quiet hours depend on the wall clock of the CI run: off unless a test asks for them.
  const journeys = {
    ...options.journeys,
    guardrails: { quietHoursStart: 0, quietHoursEnd: 0, ...(options.journeys?.guardrails as object | undefined) },
  };
  const config: Config = { ...base, journeys: JourneysConfigSchema.parse(journeys) };
  const log = options.log ?? pino({ level: 'silent' });
  const worker = await createJourneysWorker({
    config,
    db: database.pool,
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
  });
  const workerDone = worker.run();
  // With TEMPORAL_PAYLOAD_KEY the API's client encrypts like the worker (env.client stays a plain reader).
  const apiClient = config.temporal.payloadKey
    ? new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: payloadDataConverter(config.temporal.payloadKey) })
    : env.client;
  // The sunset sweep (a coordinator workflow) only where a test asks for it.
  const api = await startApi({ config, db: database.pool, temporal: apiClient, log, relayPollInterval: 200, sunsetSweep: options.sunsetSweep ?? false });

  return {
    url: api.url,
    apiKey: TEST_API_KEY,
    config,
    db: database.pool,
    env,
    resend,
    api,
    worker,
    async request(method, path, body, headers = {}) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_API_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed };
    },
    async close() {
      await api.close();
      worker.shutdown();
      await workerDone;
      await env.teardown();
      await resend.close();
      await database.drop();
    },
  };
}

/** Poll until `check` returns a value (not undefined/false), or fail after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
