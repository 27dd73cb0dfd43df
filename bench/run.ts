/**
 * `npm run bench`: measures the embedded stack as a user runs it (`scripts/dev.ts`, i.e. what
 * `npm start` runs) and writes the figures to bench/results/latest.json (+ a line appended to
 * bench/results/history.jsonl). Bounded: a fixed number of events, a deadline, loopback only.
 *
 *   start-up         spawn → "Journeys is running" (cold: empty data dir; warm: second start)
 *   ingest           POST /v1/events throughput with N concurrent clients: events that start
 *                    no journey (the API and the store alone), customer.created (each starts a
 *                    welcome journey, so the machine also runs the journeys), batches of 100
 *   event → email    received_at of customer.created → sent_at of its welcome email (p50/p95/max)
 *   memory           RSS of the launcher process (API + worker) and of the Temporal dev server
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DEADLINE_MS = 240_000;

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.once('error', rej);
  });
}

interface Stack {
  proc: ChildProcess;
  startMs: number;
  api: string;
  pgUrl: string;
  key: string;
  stop(): Promise<void>;
}

function writeBenchConfig(dataDir: string): string {
  const file = join(dataDir, 'bench-journeys.json');
  writeFileSync(file, JSON.stringify({ guardrails: { quietHoursStart: 0, quietHoursEnd: 0 } }));
  return file;
}

async function startStack(dataDir: string, ports: Record<string, number>): Promise<Stack> {
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
      // BENCH_DATABASE_URL: measure against a real Postgres instead of the embedded PGlite.
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
      TEMPORAL_ADDRESS: '',
      RESEND_API_KEY: '',
      // Quiet hours would defer every welcome email when the bench runs at night.
      JOURNEYS_CONFIG_FILE: writeBenchConfig(dataDir),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stop() signals the whole stack (tsx, node, the Temporal server)
    // the way Ctrl-C in a terminal does, and nothing outlives the bench.
    detached: true,
  });
  let out = '';
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`stack did not start in 120 s:\n${out}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
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
  return {
    proc,
    startMs,
    api: `http://127.0.0.1:${ports.api}`,
    pgUrl: process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:${ports.pg}/postgres`,
    key,
    stop: () =>
      new Promise<void>((res) => {
        const group = -proc.pid!;
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

function rssMb(pid: number | undefined): number | null {
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

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function post(stack: Stack, body: unknown): Promise<number> {
  const res = await fetch(`${stack.api}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const customer = (id: string) => ({
  type: 'customer.created',
  customerId: id,
  properties: { email: `${id}@bench.example`, firstName: 'Bench', marketingConsent: true},
});

/** Post `count` events from CONCURRENCY clients; events per second. */
async function postConcurrently(stack: Stack, count: number, event: (i: number) => unknown): Promise<number> {
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const status = await post(stack, event(next++));
        if (status !== 202) throw new Error(`POST /v1/events answered ${status}`);
      }
    }),
  );
  return Math.round((count / (Date.now() - t0)) * 1000);
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('bench: deadline reached, aborting');
    process.exit(2);
  }, DEADLINE_MS);
  const dataDir = mkdtempSync(join(tmpdir(), 'journeys-bench-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
  let stack = await startStack(dataDir, ports);
  const coldStartMs = stack.startMs;
  await stack.stop();
  stack = await startStack(dataDir, ports);
  const warmStartMs = stack.startMs;

  try {
    // Ingest alone: product.viewed starts no journey, so this is the API and the store.
    const viewed = await postConcurrently(stack, EVENTS, (i) => ({
      type: 'product.viewed',
      customerId: `bench-viewer-${i}`,
      properties: { productId: 'p-bench' },
    }));

    // Single events, CONCURRENCY clients in parallel.
    const ids = Array.from({ length: EVENTS }, (_, i) => `bench-${i}`);
    let next = 0;
    const t0 = Date.now();
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ids.length) statuses.push(await post(stack, customer(ids[next++])));
      }),
    );
    const singleMs = Date.now() - t0;
    if (statuses.some((s) => s !== 202)) throw new Error(`unexpected statuses: ${[...new Set(statuses)]}`);

    // Batches of 100 (customer.updated: stored and projected, no journey starts).
    const batches = 5;
    const t1 = Date.now();
    for (let b = 0; b < batches; b++) {
      const events = Array.from({ length: 100 }, (_, i) => ({
        type: 'customer.updated',
        customerId: `bench-batch-${b}-${i}`,
        properties: { email: `batch-${b}-${i}@bench.example` },
      }));
      const status = await post(stack, { events });
      if (status !== 202) throw new Error(`batch answered ${status}`);
    }
    const batchMs = Date.now() - t1;

    // Wait until every welcome email is out (or the deadline), then read latencies.
    const db = new Client({ connectionString: stack.pgUrl });
    await db.connect();
    let sent = 0;
    const waitUntil = Date.now() + 150_000;
    while (Date.now() < waitUntil) {
      sent = Number((await db.query(`SELECT count(*) AS n FROM messages WHERE status = 'sent' AND customer_id LIKE 'bench-%'`)).rows[0].n);
      if (sent >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const { rows } = await db.query(
      `SELECT extract(epoch FROM (m.sent_at - e.received_at)) * 1000 AS ms
         FROM messages m JOIN events e ON e.customer_id = m.customer_id AND e.type = 'customer.created'
        WHERE m.status = 'sent' AND m.customer_id LIKE 'bench-%'`,
    );
    await db.end();
    const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);

    const launcherPid = stack.proc.pid!;
    const tree = [launcherPid, ...descendants(launcherPid)];
    const temporalPid = tree.find((p) => /temporal\S* server start-dev/.test(commandOf(p)));
    const nodePids = tree.filter((p) => /node/.test(commandOf(p)) && p !== temporalPid);
    const results = {
      at: new Date().toISOString(),
      machine: { cpus: require('node:os').cpus().length, node: process.version },
      database: process.env.BENCH_DATABASE_URL ? 'postgres' : 'embedded PGlite',
      events: EVENTS,
      concurrency: CONCURRENCY,
      startup: { coldMs: coldStartMs, warmMs: warmStartMs },
      ingest: {
        storeOnlyEventsPerSecond: viewed,
        singleEventsPerSecond: Math.round((EVENTS / singleMs) * 1000),
        batchedEventsPerSecond: Math.round(((batches * 100) / batchMs) * 1000),
      },
      eventToEmailMs: latencies.length
        ? {
            sent,
            p50: Math.round(percentile(latencies, 50)),
            p95: Math.round(percentile(latencies, 95)),
            max: Math.round(latencies[latencies.length - 1]),
          }
        : { sent },
      memoryMb: {
        apiAndWorker: Math.max(...nodePids.map((p) => rssMb(p) ?? 0)),
        temporalDevServer: rssMb(temporalPid),
      },
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2) + '\n');
    appendFileSync(join(ROOT, 'bench/results/history.jsonl'), JSON.stringify(results) + '\n');
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
