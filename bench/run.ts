/**
 * `npm run bench`: the embedded stack as a user runs it (`scripts/dev.ts`, what `npm start`
 * runs), or with BENCH_DATABASE_URL the same stack on a real Postgres, measured beside
 * baselines taken in the same run on the same database and Temporal dev server:
 *
 *   start-up        spawn → "Journeys is running" (cold: empty data dir; warm: second start)
 *   single events   POST /v1/events from 32 keep-alive clients (events that reach no journey)
 *                   vs a bare single-row INSERT loop into the events table
 *   batches of 100  vs a bare multi-row INSERT of 100 rows
 *   the mix         10 % customer.created, 40 % cart.updated, 40 % product.viewed,
 *                   10 % order.placed at full speed for a burst: accepted rate and p99, the
 *                   backlog every second during and after it, the relay's drain rate vs a bare
 *                   signalWithStart loop, order confirmations POST → sent
 *   claim           one claim of 100 at a backlog of 200,000 pending events (scratch database)
 *   calls           Temporal calls per event type (recorded, scratch database)
 *   memory          RSS of the launcher (API + relay + worker) and of the Temporal dev server
 *
 * Writes bench/RESULTS.md (one section per database, replaced by each run) and
 * bench/results/latest[-postgres].json. Bounded: every phase has a duration or a deadline, the
 * whole run a hard deadline; loopback only. BENCH_SHORT=1: shorter phases, a 50,000 backlog
 * (a few minutes in all).
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client as PgClient, Pool } from 'pg';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { migrate } from '../db/migrate';
import { createPool, createRelayPool } from '../db/pool';
import { startEmbeddedPostgres } from '../dev/embedded-postgres';
import { CLAIM_SQL } from '../ingest/relay';
import { callsPerEvent } from './calls-per-event';
import { closedLoop, jsonPoster, summarize } from './load';
import { writeResultsSection } from './results-file';
import { freePort, freePorts, killRunningStacks, startStack, type Stack } from './stack';

const ROOT = resolve(__dirname, '..');
const SHORT = process.env.BENCH_SHORT === '1';
const POSTGRES = Boolean(process.env.BENCH_DATABASE_URL);
const P = SHORT
  ? { ingestMs: 4_000, burstMs: 10_000, drainMs: 60_000, backlog: 50_000, deadlineMs: 9 * 60_000 }
  : { ingestMs: 10_000, burstMs: 40_000, drainMs: 180_000, backlog: 200_000, deadlineMs: 25 * 60_000 };
const CLIENTS = 32;
const BATCH_CLIENTS = 8;
/** The embedded database accepts 64 connections and the stack holds up to 30 of them. */
const BENCH_POOL = POSTGRES ? CLIENTS : 16;

const expect202 = (status: number) => {
  if (status !== 202) throw new Error(`POST /v1/events answered ${status}`);
};
const viewed = (id: string) => ({ type: 'product.viewed', customerId: id, properties: { productId: 'p-bench' } });
const items = [{ productId: 'p-bench', title: 'Bench tea', price: 12.5, quantity: 1 }];

/** The bare database and Temporal, with nothing of ours in between. */
async function baselines(pool: Pool, temporalAddress: string, run: string) {
  const bareInsert = await closedLoop(CLIENTS, P.ingestMs, async (i) => {
    await pool.query(
      `INSERT INTO events (id, type, customer_id, occurred_at, properties, dispatched_at) VALUES ($1, 'product.viewed', $2, now(), $3, now())`,
      [`bare-${run}-${i}`, `bare-${i}`, '{"productId":"p-bench"}'],
    );
  });
  const bareMulti = await closedLoop(
    BATCH_CLIENTS,
    P.ingestMs,
    async (i) => {
      const ids = Array.from({ length: 100 }, (_, k) => `bare-multi-${run}-${i}-${k}`);
      await pool.query(
        `INSERT INTO events (id, type, customer_id, occurred_at, properties, dispatched_at)
         SELECT id, 'product.viewed', id, now(), '{"productId":"p-bench"}', now() FROM unnest($1::text[]) id`,
        [ids],
      );
    },
    100,
  );
  const connection = await Connection.connect({ address: temporalAddress });
  const temporal = new TemporalClient({ connection });
  // A task queue no worker polls: the server's cost of the call alone.
  const bareSignalWithStart = await closedLoop(CLIENTS, P.ingestMs, async (i) => {
    await temporal.workflow.signalWithStart('benchBaseline', {
      workflowId: `bench-baseline/${run}/${i}`,
      taskQueue: `bench-baseline-${run}`,
      args: [],
      signal: 'journeyEvent',
      signalArgs: [{ i }],
    });
  });
  await connection.close();
  return { bareInsert, bareMulti, bareSignalWithStart };
}

interface Sample {
  t: number;
  pending: number;
  dispatched: number;
}

/** The realistic mix at full speed, then the drain; pending and dispatched every second. */
async function mixBurst(stack: Stack, pool: Pool, run: string) {
  const poster = jsonPoster(stack.api, stack.key, CLIENTS);
  const created: string[] = [];
  const orderPostedAt = new Map<string, number>();
  const prefix = `mix-${run}-`;
  const samples: Sample[] = [];
  const t0 = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await pool.query<{ pending: number; dispatched: number }>(
        `SELECT count(*) FILTER (WHERE dispatched_at IS NULL AND dead_lettered_at IS NULL)::int AS pending,
                count(*) FILTER (WHERE dispatched_at IS NOT NULL)::int AS dispatched
           FROM events WHERE customer_id LIKE $1`,
        [`${prefix}%`],
      );
      samples.push({ t: Math.round((Date.now() - t0) / 100) / 10, ...rows[0] });
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const burst = await closedLoop(CLIENTS, P.burstMs, async (i) => {
    const roll = i % 10;
    const known = created.length ? created[(i * 7919) % created.length] : undefined;
    let event: unknown;
    if (roll === 0 || !known) {
      const id = `${prefix}${i}`;
      created.push(id);
      event = { type: 'customer.created', customerId: id, properties: { email: `${id}@bench.example`, firstName: 'Bench', marketingConsent: true } };
    } else if (roll <= 4) {
      event = { type: 'cart.updated', customerId: known, properties: { cartId: `cart-${known}`, cartUrl: 'https://shop.example.com/cart', items } };
    } else if (roll <= 8) {
      event = viewed(known);
    } else {
      const orderId = `${prefix}order-${i}`;
      orderPostedAt.set(orderId, Date.now());
      event = { type: 'order.placed', customerId: known, properties: { orderId, total: 12.5, currency: 'EUR', items } };
    }
    expect202(await poster.post('/v1/events', event));
  });
  poster.close();
  const burstEnd = Date.now();
  // The drain: until nothing is pending and every confirmation is out, or the bound.
  let confirmations: { orderId: string; ms: number }[] = [];
  while (Date.now() - burstEnd < P.drainMs) {
    await new Promise((r) => setTimeout(r, 1000));
    const { rows } = await pool.query<{ workflow_id: string; sent_at: Date }>(
      `SELECT workflow_id, sent_at FROM messages WHERE step = 'order-confirmation' AND status = 'sent' AND workflow_id LIKE $1`,
      [`order/${prefix}%`],
    );
    confirmations = rows.map((r) => {
      const orderId = r.workflow_id.slice('order/'.length);
      return { orderId, ms: r.sent_at.getTime() - (orderPostedAt.get(orderId) ?? r.sent_at.getTime()) };
    });
    const last = samples[samples.length - 1];
    if (last && last.pending === 0 && confirmations.length >= orderPostedAt.size) break;
  }
  sampling = false;
  await sampler;
  // Where an order's time went: the relay (stored → in Temporal) or the journey (→ sent).
  const { rows: dispatchedOrders } = await pool.query<{ ms: number }>(
    `SELECT extract(epoch FROM dispatched_at - received_at)::float8 * 1000 AS ms FROM events
      WHERE type = 'order.placed' AND customer_id LIKE $1 AND dispatched_at IS NOT NULL`,
    [`${prefix}%`],
  );
  // Drain rate: events leaving the queue per second while a backlog stood.
  let moved = 0;
  let seconds = 0;
  for (let k = 1; k < samples.length; k++) {
    if (samples[k - 1].pending > 0 && samples[k].pending > 0) {
      moved += samples[k].dispatched - samples[k - 1].dispatched;
      seconds += samples[k].t - samples[k - 1].t;
    }
  }
  return {
    accepted: { perSecond: burst.perSecond, count: burst.count, ...summarize(burst.latencies) },
    burstSeconds: Math.round((burstEnd - t0) / 100) / 10,
    samples,
    drainPerSecond: seconds >= 2 ? Math.round(moved / seconds) : null,
    maxPending: Math.max(0, ...samples.map((s) => s.pending)),
    orders: orderPostedAt.size,
    confirmations: { sent: confirmations.length, ...summarize(confirmations.map((c) => c.ms)) },
    orderDispatch: summarize(dispatchedOrders.map((r) => Number(r.ms))),
  };
}

/** A database of our schema for the claim and call counts, away from the stack's relay. */
async function scratchDatabase(): Promise<{ pool: Pool; drop(): Promise<void> }> {
  if (POSTGRES) {
    const name = `journeys_bench_${Date.now()}`;
    const admin = new PgClient({ connectionString: process.env.BENCH_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.BENCH_DATABASE_URL!);
    url.pathname = `/${name}`;
    // The relay's own settings: the claim is measured as the relay runs it.
    const pool = createRelayPool(url.toString(), 4, false);
    await migrate(pool);
    return {
      pool,
      async drop() {
        await pool.end();
        const c = new PgClient({ connectionString: process.env.BENCH_DATABASE_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'journeys-bench-scratch-'));
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
  const pool = createPool(pg.url, 4);
  await migrate(pool);
  return {
    pool,
    async drop() {
      await pool.end();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Claim latency at a standing backlog, claiming and completing like the relay. */
async function claimAtBacklog(pool: Pool) {
  const t0 = Date.now();
  // The backlog as the store lays it out: two waiting events per customer, the first one head
  // of line, one in ten an order (the transactional lane), in one statement.
  const half = Math.ceil(P.backlog / 2);
  await pool.query(
    `INSERT INTO events (id, type, customer_id, occurred_at, properties, lane, head_of_line)
     SELECT 'backlog-' || n, CASE WHEN n % 10 = 0 THEN 'order.placed' ELSE 'cart.updated' END, 'backlog-' || (n % $2),
            now(), '{}', CASE WHEN n % 10 = 0 THEN 0 ELSE 1 END, n < $2
       FROM generate_series(0, $1 - 1) n`,
    [P.backlog, half],
  );
  const insertSeconds = (Date.now() - t0) / 1000;
  await pool.query('ANALYZE events');
  const pending = Number((await pool.query('SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL')).rows[0].n);
  const latencies: number[] = [];
  for (let k = 0; k < 40; k++) {
    const start = performance.now();
    const { rows } = await pool.query<{ id: string }>(CLAIM_SQL, [100, 60, 1]);
    latencies.push(performance.now() - start);
    // Completing makes each customer's next event head: the claim keeps finding fresh work.
    await pool.query('SELECT journeys_complete_events($1, $2)', [rows.map((r) => r.id), []]);
  }
  return { pending, fixtureSeconds: Math.round(insertSeconds), ...summarize(latencies), firstTen: summarize(latencies.slice(0, 10)).p50, lastTen: summarize(latencies.slice(-10)).p50 };
}

type Results = Awaited<ReturnType<typeof measure>>;

async function measure(stack: Stack, coldStartMs: number) {
  const run = Date.now().toString(36);
  const pool = createPool(stack.pgUrl, BENCH_POOL);
  try {
    const base = await baselines(pool, stack.temporalAddress, run);

    const poster = jsonPoster(stack.api, stack.key, CLIENTS);
    // The HTTP floor: the same server answering GET /healthz (no body, no database).
    const health = await closedLoop(CLIENTS, P.ingestMs, async () => void (await poster.get('/healthz')));
    const single = await closedLoop(CLIENTS, P.ingestMs, async (i) => expect202(await poster.post('/v1/events', viewed(`single-${run}-${i}`))));
    const singlePending = Number((await pool.query(`SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL AND customer_id LIKE $1`, [`single-${run}-%`])).rows[0].n);
    const batch = await closedLoop(
      BATCH_CLIENTS,
      P.ingestMs,
      async (i) => expect202(await poster.post('/v1/events', { events: Array.from({ length: 100 }, (_, k) => viewed(`batch-${run}-${i}-${k}`)) })),
      100,
    );
    poster.close();

    const mix = await mixBurst(stack, pool, run);

    const { apiAndWorker, temporalDevServer } = stack.memoryMb();
    const memoryMb = { apiRelayWorker: apiAndWorker, temporalDevServer };

    const scratch = await scratchDatabase();
    let calls: Record<string, number>;
    let claim: Awaited<ReturnType<typeof claimAtBacklog>>;
    try {
      calls = await callsPerEvent(scratch.pool);
      claim = await claimAtBacklog(scratch.pool);
    } finally {
      await scratch.drop();
    }
    return {
      at: new Date().toISOString(),
      mode: SHORT ? 'short' : 'full',
      machine: { cpus: cpus().length, node: process.version },
      database: POSTGRES ? 'postgres' : 'embedded PGlite',
      startup: { coldMs: coldStartMs, warmMs: stack.startMs },
      baselines: {
        bareInsertRowsPerSecond: base.bareInsert.perSecond,
        bareMultiInsertRowsPerSecond: base.bareMulti.perSecond,
        bareSignalWithStartPerSecond: base.bareSignalWithStart.perSecond,
        healthzPerSecond: health.perSecond,
      },
      single: { perSecond: single.perSecond, ...summarize(single.latencies), pendingAfter: singlePending },
      batch: { perSecond: batch.perSecond, ...summarize(batch.latencies) },
      mix,
      claim,
      calls,
      memoryMb,
    };
  } finally {
    await pool.end();
  }
}

const ratio = (a: number | null, b: number) => (a === null || !b ? null : Math.round((a / b) * 100) / 100);
const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'met' : 'not met');

function markdownSection(r: Results): string {
  const b = r.baselines;
  const singleRatio = ratio(r.single.perSecond, b.bareInsertRowsPerSecond);
  const batchRatio = ratio(r.batch.perSecond, b.bareMultiInsertRowsPerSecond);
  const drainRatio = ratio(r.mix.drainPerSecond, b.bareSignalWithStartPerSecond);
  const rows = [
    ['single events (32 keep-alive clients)', `${r.single.perSecond}/s, p99 ${r.single.p99} ms`, `bare INSERT ${b.bareInsertRowsPerSecond} rows/s`, singleRatio, verdict(singleRatio !== null && singleRatio >= 0.5 && r.single.p99 <= 50), '≥ 0.5×, p99 ≤ 50 ms'],
    ['… the HTTP floor: GET /healthz, same clients', `${b.healthzPerSecond}/s`, '', ratio(r.single.perSecond, b.healthzPerSecond), '', 'single events ÷ this'],
    ['batches of 100 (8 clients)', `${r.batch.perSecond}/s, p99 ${r.batch.p99} ms`, `bare multi-row INSERT ${b.bareMultiInsertRowsPerSecond} rows/s`, batchRatio, verdict(batchRatio !== null && batchRatio >= 0.5), '≥ 0.5×'],
    ['the mix accepted (32 clients)', `${r.mix.accepted.perSecond}/s, p99 ${r.mix.accepted.p99} ms`, '—', null, verdict(r.mix.accepted.perSecond >= 1000 && r.mix.accepted.p99 <= 100), '≥ 1,000/s, p99 ≤ 100 ms'],
    [
      'the mix drained by the relay',
      r.mix.drainPerSecond === null ? `kept up (max pending ${r.mix.maxPending})` : `${r.mix.drainPerSecond} events/s while backlogged`,
      `bare signalWithStart ${b.bareSignalWithStartPerSecond} calls/s`,
      drainRatio,
      r.mix.drainPerSecond === null ? 'met (no backlog)' : verdict(drainRatio !== null && drainRatio >= 1),
      '≥ 1.0×',
    ],
    [
      'order confirmations, POST → sent',
      `p50 ${r.mix.confirmations.p50} ms, p95 ${r.mix.confirmations.p95} ms, max ${r.mix.confirmations.max} ms (${r.mix.confirmations.sent}/${r.mix.orders} sent)`,
      '—',
      null,
      verdict(r.mix.confirmations.sent === r.mix.orders && r.mix.confirmations.p95 <= 5000),
      'p95 ≤ 5 s (stretch ≤ 1 s)',
    ],
    [
      '… of which stored → in Temporal (the relay)',
      `p50 ${r.mix.orderDispatch.p50} ms, p95 ${r.mix.orderDispatch.p95} ms, max ${r.mix.orderDispatch.max} ms`,
      '—',
      null,
      '',
      '',
    ],
    ['claim of 100 at a backlog', `${r.claim.pending} pending: p50 ${r.claim.p50} ms, p95 ${r.claim.p95} ms, max ${r.claim.max} ms (first 10 ${r.claim.firstTen}, last 10 ${r.claim.lastTen})`, '—', null, verdict(r.claim.p95 <= 10), '≤ 10 ms at 200,000'],
    ['events that reach no journey', `${r.single.pendingAfter} pending after ${r.single.perSecond}/s of them`, '—', null, verdict(r.single.pendingAfter === 0), 'drain ≥ accepted'],
  ];
  const table = [
    '| scenario | figure | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map(([name, fig, base, rat, ok, target]) => `| ${name} | ${fig} | ${base} | ${rat ?? ''} | ${target} | ${ok} |`),
  ].join('\n');
  const curve = ['| s | pending | dispatched |', '|---|---|---|', ...r.mix.samples.map((s) => `| ${s.t} | ${s.pending} | ${s.dispatched} |`)].join('\n');
  const calls = ['| event | Temporal calls |', '|---|---|', ...Object.entries(r.calls).map(([t, n]) => `| ${t} | ${n} |`)].join('\n');
  return [
    `## ${r.database === 'postgres' ? 'Postgres (BENCH_DATABASE_URL)' : 'Embedded stack (PGlite)'}`,
    '',
    `${r.at} · ${r.machine.cpus} cores · Node ${r.machine.node} · ${r.mode} mode · start-up ${r.startup.coldMs} ms cold, ${r.startup.warmMs} ms warm · RSS ${r.memoryMb.apiRelayWorker} MB (API + relay + worker), ${r.memoryMb.temporalDevServer} MB (Temporal dev server)`,
    '',
    table,
    '',
    `### Backlog during the ${r.mix.burstSeconds} s mix burst and after (events of the mix, sampled every second)`,
    '',
    curve,
    '',
    '### Temporal calls per event along one customer’s life',
    '',
    calls,
  ].join('\n');
}

function writeResults(r: Results): void {
  const key = r.database === 'postgres' ? 'postgres' : 'embedded';
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/latest${key === 'postgres' ? '-postgres' : ''}.json`), JSON.stringify(r, null, 2) + '\n');
  appendFileSync(join(ROOT, 'bench/results/history.jsonl'), JSON.stringify({ ...r, mix: { ...r.mix, samples: undefined } }) + '\n');
  writeResultsSection(key, markdownSection(r));
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('bench: deadline reached, aborting');
    killRunningStacks();
    process.exit(2);
  }, P.deadlineMs);
  const dataDir = mkdtempSync(join(tmpdir(), 'journeys-bench-'));
  const ports = await freePorts();
  let stack = await startStack(dataDir, ports);
  const coldStartMs = stack.startMs;
  await stack.stop();
  stack = await startStack(dataDir, ports);
  try {
    const results = await measure(stack, coldStartMs);
    writeResults(results);
    console.log(JSON.stringify({ ...results, mix: { ...results.mix, samples: `${results.mix.samples.length} samples` } }, null, 2));
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
