/**
 * The embedded stack as a user runs it (`scripts/dev.ts`, what `npm start` runs), for the bench:
 * started in its own process group on free loopback ports, stopped with everything it spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';

const ROOT = resolve(__dirname, '..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.once('error', rej);
  });
}

export interface StackPorts {
  api: number;
  temporal: number;
  ui: number;
  pg: number;
}

export async function freePorts(): Promise<StackPorts> {
  return { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
}

/** Process groups of stacks still running: the bench's deadline stops them before it exits. */
const running = new Set<number>();

export function killRunningStacks(): void {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export interface Stack {
  proc: ChildProcess;
  startMs: number;
  api: string;
  temporalAddress: string;
  pgUrl: string;
  key: string;
  /** RSS in MB of the launcher (API + worker + embedded database) and of the Temporal dev server */
  memoryMb(): { apiAndWorker: number; temporalDevServer: number | null };
  /** size in MB of the dev server's SQLite files (database + WAL) */
  temporalSqliteMb(): number;
  stop(): Promise<void>;
}

/** Journey settings for the bench: quiet hours off (a night-time run would defer every email). */
export function writeBenchConfig(dataDir: string, overrides: Record<string, unknown> = {}): string {
  const file = join(dataDir, 'bench-journeys.json');
  writeFileSync(file, JSON.stringify({ guardrails: { quietHoursStart: 0, quietHoursEnd: 0 }, ...overrides }));
  return file;
}

export async function startStack(
  dataDir: string,
  ports: StackPorts,
  /** databaseUrl: this Postgres instead of BENCH_DATABASE_URL or the embedded PGlite */
  options: { journeys?: Record<string, unknown>; env?: Record<string, string>; databaseUrl?: string } = {},
): Promise<Stack> {
  const t0 = Date.now();
  const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/dev.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      EMBEDDED_PG_PORT: String(ports.pg),
      LOG_LEVEL: 'warn',
      // The bench is the load: the per-key /v1 limit would measure itself, not the stack.
      API_RATE_LIMIT_PER_MINUTE: '0',
      // BENCH_DATABASE_URL: measure against a real Postgres instead of the embedded PGlite.
      DATABASE_URL: options.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? '',
      TEMPORAL_ADDRESS: '',
      RESEND_API_KEY: '',
      JOURNEYS_CONFIG_FILE: writeBenchConfig(dataDir, options.journeys),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stop() signals the whole stack (tsx, node, the Temporal server)
    // the way Ctrl-C in a terminal does, and nothing outlives the bench.
    detached: true,
  });
  running.add(proc.pid!);
  proc.once('exit', () => running.delete(proc.pid!));
  let out = '';
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`stack did not start in 180 s:\n${out}`)), 180_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 20_000) out = out.slice(-10_000);
      if (out.includes('Journeys is running')) {
        clearTimeout(timer);
        res();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => rej(new Error(`stack exited (${code}):\n${out}`)));
  });
  const startMs = Date.now() - t0;
  const key = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')).apiKey as string;
  const tree = () => [proc.pid!, ...descendants(proc.pid!)];
  const temporalPid = () => tree().find((p) => /temporal\S* server start-dev/.test(commandOf(p)));
  return {
    proc,
    startMs,
    api: `http://127.0.0.1:${ports.api}`,
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    pgUrl: options.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:${ports.pg}/postgres`,
    key,
    memoryMb() {
      const server = temporalPid();
      const nodePids = tree().filter((p) => /node/.test(commandOf(p)) && p !== server);
      return { apiAndWorker: Math.max(...nodePids.map((p) => rssMb(p) ?? 0)), temporalDevServer: rssMb(server) };
    },
    temporalSqliteMb() {
      const size = (f: string) => {
        try {
          return statSync(join(dataDir, f)).size;
        } catch {
          return 0;
        }
      };
      return Math.round((size('temporal.sqlite') + size('temporal.sqlite-wal')) / 1024 / 1024);
    },
    stop: () =>
      new Promise<void>((res) => {
        const group = -proc.pid!;
        // Stopped already (a second stop in a `finally`): nothing to wait for, and a signal to the
        // gone group would throw over the error that brought us here.
        if (proc.exitCode !== null || proc.signalCode !== null) return res();
        const kill = setTimeout(() => process.kill(group, 'SIGKILL'), 20_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          // Give the group's last members (the Temporal server) a moment, then make sure.
          setTimeout(() => {
            try {
              process.kill(group, 'SIGKILL');
            } catch {
              /* already gone */
            }
            res();
          }, 2_000);
        });
        process.kill(group, 'SIGINT');
      }),
  };
}

export function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

function descendants(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.flatMap((c) => [c, ...descendants(c)]);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export async function postEvents(stack: Pick<Stack, 'api' | 'key'>, body: unknown, path = '/v1/events', method = 'POST'): Promise<number> {
  const res = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}
