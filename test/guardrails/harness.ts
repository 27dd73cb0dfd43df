import { after, before } from 'node:test';
import pino from 'pino';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { createResendMailer } from '../../activities/email/resend-mailer';
import type { Mailer } from '../../activities/email/mailer';
import type { SendMessageInput, SendOutcome } from '../../activities/types';
import { createApp } from '../../api/app';
import type { JourneyControl } from '../../api/erasure';
import { loadConfig, type Config } from '../../config/env';
import { JourneysConfigSchema, type JourneysConfig } from '../../config/journeys';
import { upsertCustomerProfile, type ProfileChange } from '../../ingest/projections';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';

/**
 * The real send path (createActivities → sendMessage) on a real test database, mailing through
 * the real resend SDK into the fake Resend, with a clock the test moves. Plus, on demand, the
 * real HTTP app in-process for the public pages and webhooks.
 */
export const TOKEN_SECRET = 'guardrails-test-token-secret';
export const WEBHOOK_SECRET = `whsec_${Buffer.from('guardrails-test-webhook-secret-32b').toString('base64')}`;
export const API_KEY = 'guardrails-test-api-key';
export const PUBLIC_URL = 'http://shop.test';

export interface SendHarness {
  db: TestDatabase;
  resend: FakeResend;
  config: Config;
  now: Date;
  setNow(iso: string | Date): void;
  activities: ReturnType<typeof createActivities>;
  /** send path wired to another mailer/pool (e.g. a counting fake, a second "worker process") */
  activitiesWith(options: { mailer?: Mailer; db?: TestDatabase['pool'] }): ReturnType<typeof createActivities>;
  customer(id: string, profile?: Partial<ProfileChange>, at?: string): Promise<void>;
  send(input: Partial<SendMessageInput> & { customerId: string; idempotencyKey: string }): Promise<SendOutcome>;
  close(): Promise<void>;
}

/**
 * For tests that send on the real clock (the API reads it): without this, a run at night finds
 * every marketing send deferred by the default quiet hours.
 */
export const NO_QUIET_HOURS = { quietHoursStart: 0, quietHoursEnd: 0 } as const;

export async function startSendHarness(
  guardrails: Partial<JourneysConfig['guardrails']> = {},
  /** other sections of the journeys config (e.g. `{ abandonedCart: { enabled: false } }`) */
  sections: Record<string, unknown> = {},
): Promise<SendHarness> {
  const db = await createTestDatabase();
  const resend = await startFakeResend();
  const journeys = JourneysConfigSchema.parse({ ...sections, guardrails });
  const config: Config = {
    ...loadConfig({
      API_KEY,
      TOKEN_SECRET,
      PUBLIC_URL,
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: resend.url,
      RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
      LOG_LEVEL: 'silent',
    }),
    journeys,
  };
  const harness = {} as SendHarness;
  let now = new Date('2026-01-15T12:00:00.000Z');
  const build = (options: { mailer?: Mailer; db?: TestDatabase['pool'] } = {}) =>
    createActivities({
      db: options.db ?? db.pool,
      mailer: options.mailer ?? createResendMailer({ apiKey: 're_test_key', baseUrl: resend.url }),
      clock: () => now,
      config: { publicUrl: config.publicUrl, tokenSecret: TOKEN_SECRET, mail: config.mail, journeys },
    });
  const activities = build();
  Object.assign(harness, {
    db,
    resend,
    config,
    get now() {
      return now;
    },
    setNow(t: string | Date) {
      now = new Date(t);
    },
    activities,
    activitiesWith: build,
    async customer(id: string, profile: Partial<ProfileChange> = {}, at?: string) {
      await upsertCustomerProfile(
        db.pool,
        id,
        { email: `${id}@example.com`, marketingConsent: true, timezone: 'UTC', ...profile },
        { source: 'test', at: at ?? now.toISOString() },
      );
    },
    send: (input: Partial<SendMessageInput> & { customerId: string; idempotencyKey: string }) =>
      activities.sendMessage(marketingInput(input)),
    async close() {
      await resend.close();
      await db.drop();
    },
  });
  return harness;
}

/** A welcome email (marketing, with a coupon) unless the test says otherwise. */
export function marketingInput(input: Partial<SendMessageInput> & { customerId: string; idempotencyKey: string }): SendMessageInput {
  return {
    workflowId: `test/${input.customerId}`,
    journey: 'welcome',
    step: input.idempotencyKey.split('/').pop() ?? 'step',
    template: 'welcome',
    data: {},
    category: 'marketing',
    onCap: 'skip',
    coupon: { key: `coupon/${input.idempotencyKey}`, percentOff: 10, validFor: '7 days' },
    ...input,
  };
}

/** An order confirmation: transactional. */
export function transactionalInput(customerId: string, orderId: string): SendMessageInput {
  return {
    idempotencyKey: `order/${orderId}/confirmation`,
    workflowId: `order/${orderId}`,
    journey: 'order',
    step: 'confirmation',
    customerId,
    template: 'order-confirmation',
    data: {
      orderId,
      placedAt: '2026-01-15T10:00:00.000Z',
      items: [{ productId: 'p-tea', title: 'Green tea', price: 12, quantity: 1, currency: 'EUR' }],
      total: 12,
      currency: 'EUR',
    },
    category: 'transactional',
    onCap: 'skip',
  };
}

/** A mailer that only counts: for property runs where HTTP would be noise. */
export function countingMailer(): Mailer & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'counting',
    calls,
    async send(email) {
      calls.push(email.to);
      return { providerMessageId: `counted-${calls.length}` };
    },
  };
}

/** A Temporal stand-in with no journeys: erasure lists nothing and ends nothing. */
export const noJourneys: JourneyControl = {
  workflow: { list: (() => (async function* () {})()) as never, getHandle: (() => ({ terminate: async () => {} })) as never },
};

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/**
 * For a describe block: a send harness and the real app over it, started before its tests and
 * closed after them. Tests read `.h` and `.app` (set once `before` has run).
 */
export function useSendHarnessAndApp(guardrails: Partial<JourneysConfig['guardrails']> = {}): { h: SendHarness; app: RunningApp } {
  const ctx = {} as { h: SendHarness; app: RunningApp };
  before(async () => {
    ctx.h = await startSendHarness(guardrails);
    ctx.app = await startApp(ctx.h);
  });
  after(async () => {
    await ctx.app?.close();
    await ctx.h?.close();
  });
  return ctx;
}

/** The real express app in-process; Temporal is whatever fake the test passes. */
export async function startApp(harness: SendHarness, temporal: unknown = {}, config: Config = harness.config): Promise<RunningApp> {
  const app = createApp({
    db: harness.db.pool,
    config,
    log: pino({ level: 'silent' }),
    temporal: temporal as Client,
    nudgeRelay: () => undefined,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
