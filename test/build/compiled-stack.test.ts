import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerExecutable } from '../../dev/temporal-binaries';
import { journeySearchAttributes } from '../../workflows/messages';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { freePort } from '../helpers/free-port';

/**
 * What the production image runs: `node dist/…`, compiled by `npm run build` (npm test builds
 * first), no tsx and no TypeScript loader, the worker on the prebuilt workflow bundle. One
 * customer goes through the welcome journey against a Temporal dev server, a real Postgres and
 * the fake Resend.
 */
const ROOT = resolve(__dirname, '../..');
const DIST = join(ROOT, 'dist');
const API_KEY = 'compiled-stack-api-key-0123';

describe('the compiled build', () => {
  let database: TestDatabase;
  let resend: FakeResend;
  let temporal: TestWorkflowEnvironment;
  const children: { name: string; child: ChildProcess; output: string[] }[] = [];

  before(async () => {
    assert.ok(existsSync(join(DIST, 'worker.js')) && existsSync(join(DIST, 'workflow-bundle.js')), 'run `npm run build` first (npm test does)');
    [database, resend, temporal] = await Promise.all([
      createTestDatabase(),
      startFakeResend(),
      TestWorkflowEnvironment.createLocal({ server: { executable: devServerExecutable(), searchAttributes: [...journeySearchAttributes] } }),
    ]);
  });
  after(async () => {
    for (const { child } of children) child.kill('SIGTERM');
    await Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
    await temporal?.teardown();
    await resend?.close();
    await database?.drop();
  });

  /** Run a compiled entry point with plain node, in an empty directory (no .env is read). */
  function run(name: string, entry: string, env: Record<string, string>): ChildProcess {
    const output: string[] = [];
    const child = spawn(process.execPath, [join(DIST, entry)], {
      cwd: mkdtempSync(join(tmpdir(), 'journeys-dist-')),
      // Only what is given here: nothing inherited can slip a TypeScript loader in.
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    children.push({ name, child, output });
    return child;
  }
  const outputOf = (name: string) => children.find((c) => c.name === name)?.output.join('') ?? '';

  test('dist holds JavaScript only, with the workflow bundle, migrations and content beside it', () => {
    const files = readdirSync(DIST, { recursive: true }).map(String);
    assert.deepEqual(files.filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts')), []);
    for (const f of ['api/server.js', 'worker.js', 'db/migrate.js', 'runtime/search-attributes.js', 'workflow-bundle.js', 'content/nurture-catalog.json']) {
      assert.ok(files.includes(f), `dist/${f}`);
    }
    assert.ok(files.some((f) => f.startsWith('db/migrations/') && f.endsWith('.sql')));
  });

  test('node dist/worker.js and dist/api/server.js send a new customer the welcome email', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: `dist-${Math.random().toString(36).slice(2)}`,
      API_KEY,
      TOKEN_SECRET: 'compiled-stack-token-secret-0123',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: resend.url,
      MAIL_FROM: 'Test Shop <shop@test.example>',
      SEND_RATE_PER_SECOND: '0',
      WORKFLOW_BUNDLE_PATH: join(DIST, 'workflow-bundle.js'),
      LOG_LEVEL: 'info',
    };
    const migrate = run('migrate', 'db/migrate.js', env);
    assert.equal(await new Promise((r) => migrate.once('exit', r)), 0, outputOf('migrate'));
    assert.match(outputOf('migrate'), /up to date|applied/);

    run('worker', 'worker.js', env);
    run('api', 'api/server.js', env);
    const base = `http://127.0.0.1:${port}`;
    await eventually(() => fetch(`${base}/healthz`).then((r) => r.ok, () => false), 30_000, () => `the API answers\n${outputOf('api')}`);

    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'evt-dist-1',
        type: 'customer.created',
        customerId: 'cust-dist-1',
        properties: { email: 'grace@example.com', firstName: 'Grace', marketingConsent: true },
      }),
    });
    assert.equal(res.status, 202);
    const email = await eventually(
      async () => resend.emails.find((e) => e.body.to?.includes('grace@example.com')),
      60_000,
      () => `the welcome email\n--- worker\n${outputOf('worker')}\n--- api\n${outputOf('api')}`,
    );
    assert.match(email.body.subject, /Welcome/);
    assert.match(email.body.html, /Hi Grace,/);
    // The SDK logs this when it runs webpack; the prebuilt bundle skips it.
    assert.doesNotMatch(outputOf('worker'), /Workflow bundle created/);
  });
});

async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
