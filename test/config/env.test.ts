import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../config/env';

const secrets = { API_KEY: 'k'.repeat(20), TOKEN_SECRET: 's'.repeat(20) };

test('production config requires API_KEY and TOKEN_SECRET', () => {
  assert.throws(() => loadConfig({}), (e: Error) => e instanceof ConfigError && /API_KEY is required/.test(e.message));
  assert.throws(() => loadConfig({ API_KEY: 'k'.repeat(20) }), /TOKEN_SECRET is required/);
});

test('names every invalid variable in one message', () => {
  assert.throws(
    () => loadConfig({ ...secrets, API_PORT: 'abc', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' }),
    (e: Error) => /API_PORT/.test(e.message) && /DATABASE_URL/.test(e.message) && /LOG_LEVEL/.test(e.message),
  );
});

test('empty variables count as unset and RESEND_API_KEY picks the transport', () => {
  assert.equal(loadConfig({ ...secrets, RESEND_API_KEY: '' }).mail.transport, 'outbox');
  assert.equal(loadConfig({ ...secrets, RESEND_API_KEY: 're_x' }).mail.transport, 'resend');
  assert.equal(loadConfig({ ...secrets, DATABASE_URL: '' }).database.url, undefined);
});

test('a journeys config file overrides only what it names and rejects bad values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcfg-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ welcome: { reminderAfter: '2 days' } }));
  const config = loadConfig({ ...secrets, JOURNEYS_CONFIG_FILE: good });
  assert.equal(config.journeys.welcome.reminderAfter, '2 days');
  assert.equal(config.journeys.welcome.couponPercentOff, 10);
  assert.equal(config.journeys.abandonedCart.reminders[0].after, '4 hours');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ welcome: { reminderAfter: 'soon', couponPercentOff: 500 } }));
  assert.throws(() => loadConfig({ ...secrets, JOURNEYS_CONFIG_FILE: bad }), /welcome\.reminderAfter[\s\S]*welcome\.couponPercentOff|welcome\.couponPercentOff[\s\S]*welcome\.reminderAfter/);
});

test('worker tuning comes from WORKER_* with a bounded sticky cache by default', async () => {
  const { workerTuningOptions } = await import('../../worker');
  const defaults = workerTuningOptions(loadConfig(secrets).worker);
  assert.equal(defaults.maxCachedWorkflows, 500);
  const tuned = workerTuningOptions(
    loadConfig({
      ...secrets,
      WORKER_MAX_CACHED_WORKFLOWS: '50',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '3',
      WORKER_WORKFLOW_POLLERS: '6',
      WORKER_ACTIVITY_POLLERS: '6',
    }).worker,
  );
  assert.equal(tuned.maxCachedWorkflows, 50);
  assert.equal(tuned.maxConcurrentWorkflowTaskExecutions, 8);
  assert.equal(tuned.maxConcurrentActivityTaskExecutions, 3);
  assert.deepEqual(tuned.workflowTaskPollerBehavior, { type: 'simple-maximum', maximum: 6 });
  // more pollers than task slots would only hold polls open with nowhere to run the task
  assert.deepEqual(tuned.activityTaskPollerBehavior, { type: 'simple-maximum', maximum: 3 });
  assert.throws(() => loadConfig({ ...secrets, WORKER_MAX_CACHED_WORKFLOWS: 'lots' }), /WORKER_MAX_CACHED_WORKFLOWS/);
  assert.throws(() => loadConfig({ ...secrets, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }), /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/);
  // An activation that overruns this crashes the worker process (shared V8 context): far above the SDK's 5 s.
  assert.equal(defaults.isolateExecutionTimeout, 30_000);
  assert.equal(workerTuningOptions(loadConfig({ ...secrets, WORKER_ISOLATE_EXECUTION_TIMEOUT: '1 minute' }).worker).isolateExecutionTimeout, 60_000);
  assert.throws(() => loadConfig({ ...secrets, WORKER_ISOLATE_EXECUTION_TIMEOUT: '10ms' }), /WORKER_ISOLATE_EXECUTION_TIMEOUT/);
  assert.throws(() => loadConfig({ ...secrets, WORKER_ISOLATE_EXECUTION_TIMEOUT: 'soon' }), /WORKER_ISOLATE_EXECUTION_TIMEOUT/);
});

test('sends are limited to 4 per second with Resend by default, unlimited with the outbox, 0 turns it off', () => {
  assert.equal(loadConfig({ ...secrets, RESEND_API_KEY: 're_x' }).mail.sendRatePerSecond, 4);
  assert.equal(loadConfig({ ...secrets }).mail.sendRatePerSecond, undefined);
  assert.equal(loadConfig({ ...secrets, RESEND_API_KEY: 're_x', SEND_RATE_PER_SECOND: '2.5' }).mail.sendRatePerSecond, 2.5);
  assert.equal(loadConfig({ ...secrets, RESEND_API_KEY: 're_x', SEND_RATE_PER_SECOND: '0' }).mail.sendRatePerSecond, undefined);
  assert.throws(() => loadConfig({ ...secrets, SEND_RATE_PER_SECOND: '-1' }), /SEND_RATE_PER_SECOND/);
  assert.equal(loadConfig({ ...secrets }).mail.resendTimeoutMs, 20_000);
});

test('the shop webhook needs a whsec_ secret with its URL', () => {
  assert.equal(loadConfig(secrets).shopWebhook, undefined);
  assert.throws(() => loadConfig({ ...secrets, SHOP_WEBHOOK_URL: 'https://shop.example.com/hooks' }), /SHOP_WEBHOOK_SECRET is required/);
  assert.throws(() => loadConfig({ ...secrets, SHOP_WEBHOOK_URL: 'https://shop.example.com/hooks', SHOP_WEBHOOK_SECRET: 'plain' }), /whsec_/);
  const secret = `whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`;
  assert.deepEqual(loadConfig({ ...secrets, SHOP_WEBHOOK_URL: 'https://shop.example.com/hooks', SHOP_WEBHOOK_SECRET: secret }).shopWebhook, {
    url: 'https://shop.example.com/hooks',
    secret,
  });
});

test('MAIL_REPLY_TO takes an address or "Name <address>", SHOP_LOCALE a BCP 47 tag; both fail fast otherwise', () => {
  assert.equal(loadConfig({ ...secrets, MAIL_REPLY_TO: 'Team <help@shop.example>' }).mail.replyTo, 'Team <help@shop.example>');
  assert.equal(loadConfig({ ...secrets, MAIL_REPLY_TO: 'help@shop.example' }).mail.replyTo, 'help@shop.example');
  assert.equal(loadConfig(secrets).mail.replyTo, undefined);
  assert.throws(() => loadConfig({ ...secrets, MAIL_REPLY_TO: 'a person' }), /MAIL_REPLY_TO must be an address/);
  assert.equal(loadConfig({ ...secrets, SHOP_LOCALE: 'de-AT' }).locales.shopLocale, 'de-AT');
  assert.equal(loadConfig(secrets).locales.shopLocale, 'en');
  assert.throws(() => loadConfig({ ...secrets, SHOP_LOCALE: 'not a locale' }), /SHOP_LOCALE must be a BCP 47 locale/);
  assert.equal(loadConfig({ ...secrets, MARKETING_EMAILS_PER_WEEK: '3' }).mail.marketingEmailsPerWeek, 3);
});
