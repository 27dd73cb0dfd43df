import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { startHarness, type Harness } from './harness';

/**
 * Schemathesis (installed by `npm run setup` into .tools/) fuzzes the running API from its own
 * document with every check: no server error, no schema-valid request rejected, no undeclared
 * status, body or method. Bounded: a minute of generation, a few examples per operation.
 */
const ST = '.tools/schemathesis/bin/st';
const WEBHOOK_SECRET = `whsec_${Buffer.from('schemathesis-webhook-secret-32by').toString('base64')}`;

let h: Harness;
// What the API logged as a server error: a 500 schemathesis finds is explained by its stack.
const serverErrors: string[] = [];
before(async () => {
  const log = pino({ level: 'error' }, { write: (line: string) => void serverErrors.push(line) });
  h = await startHarness({ log, env: { RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET } });
});
after(() => h?.close());

test('schemathesis finds no failure against the running API', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(ST), `${ST} is missing: run npm run setup`);
  const args = [
    '--config-file', 'schemathesis.toml',
    'run', `${h.url}/openapi.json`,
    '--checks', 'all',
    '-H', `Authorization: Bearer ${h.apiKey}`,
    '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10',
    '--max-time', process.env.SCHEMATHESIS_MAX_TIME ?? '60',
    // One worker: with two threads, Python 3.11's AST constructor (hypothesis parses its own source
    // while describing strategies) races on a counter it shares between threads and fails the run
    // with "AST constructor recursion depth mismatch" — an error of the tool, not of the API.
    '--workers', '1',
    '--no-color',
  ];
  const child = spawn(ST, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const failures = output.slice(Math.max(0, output.indexOf('FAILURES')));
  assert.equal(code, 0, `schemathesis failed:\n${failures.slice(0, 6000)}\nserver errors:\n${serverErrors.join('').slice(0, 6000)}`);
});
