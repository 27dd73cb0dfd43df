/**
 * The worker's scenarios of `npm run bench` (after bench/run.ts), each beside its baseline
 * measured in the same run:
 *   send path   sendMessage (real pg pool, guardrails, ledger, outbox) vs a bare React Email
 *               render() of the same template and props, in this process (bench/send-path.ts)
 *   idle        one event at a time, event → email, vs a bare signal-with-start + one no-op
 *               activity + result on the same Temporal dev server (bench/round-trip.ts)
 *   sleeping    N sleeping abandoned-cart journeys: memory, the dev server's SQLite size, all of
 *               them waking at once, each sending exactly once (bench/sleeping.ts)
 *
 * BENCH_SCENARIOS=send-path,idle,sleeping picks (default: all). BENCH_SHORT=1: each in a minute
 * or two (2,000 sleeping journeys instead of 20,000; BENCH_SLEEPING sets the number).
 * The send path and the sleeping journeys run on a fresh database of a Postgres server
 * (BENCH_DATABASE_URL's, else TEST_DATABASE_URL's, else the local one): PGlite would live in the
 * launcher process and count as worker memory. Writes the `worker` section of bench/RESULTS.md and bench/results/latest-worker.json.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchSendPath, type SendPathResult } from './send-path';
import { bareRoundTrips, idleEventToEmail, type LatencySummary } from './round-trip';
import { sleepingJourneys, type SleepingResult } from './sleeping';
import { freePorts, killRunningStacks, startStack } from './stack';
import { carryOverScenarios, writeResultsSection, type RunStamp } from './results-file';
import { benchPostgresServer, freshDatabase } from './postgres-database';

const ROOT = resolve(__dirname, '..');
const SHORT = process.env.BENCH_SHORT === '1';
const SLEEPING = Number(process.env.BENCH_SLEEPING ?? (SHORT ? 2_000 : 20_000));
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'send-path,idle,sleeping').split(','));
// 20,000 journeys take 40–45 minutes on the 2-core machine: about 14 to put them to sleep, as long
// again waiting for their timers (the delay outlasts the starts), then 12–15 to wake and send.
const DEADLINE_MS = (SHORT ? 12 : 60) * 60_000;

interface WorkerResults {
  at: string;
  mode: 'short' | 'full';
  machine: { cpus: number; node: string; loadAverage: number[] };
  database: string;
  sendPath?: SendPathResult;
  idle?: { bare: LatencySummary; eventToEmail: LatencySummary & { relayP50: number } };
  sleeping?: SleepingResult;
  /** scenarios this run did not run, kept from the run that last measured them (its time, mode, load) */
  carried?: Partial<Record<Scenario, RunStamp>>;
}

type Scenario = (typeof SCENARIO_KEYS)[number];
const SCENARIO_KEYS = ['sendPath', 'idle', 'sleeping'] as const;

function readPrevious(file: string): WorkerResults | undefined {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as WorkerResults) : undefined;
  } catch {
    return undefined;
  }
}

async function idle(): Promise<WorkerResults['idle']> {
  const dataDir = mkdtempSync(join(tmpdir(), 'journeys-bench-idle-'));
  const stack = await startStack(dataDir, await freePorts());
  try {
    const count = SHORT ? 20 : 60;
    const bare = await bareRoundTrips(stack.temporalAddress, 'default', count);
    const eventToEmail = await idleEventToEmail(stack, count);
    return { bare, eventToEmail };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const SCENARIO_LABEL: Record<Scenario, string> = { sendPath: 'Send path', idle: 'Idle latency', sleeping: 'Sleeping journeys' };

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const verdict = (ok: boolean) => (ok ? 'met' : 'not met');

function markdown(r: WorkerResults): string {
  const rows: string[][] = [];
  if (r.sendPath) {
    const s = r.sendPath;
    rows.push([
      `send path, \`${s.template}\` (${s.secondsPerPhase} s per phase, in turns)`,
      `${s.sendPathSequentialPerSecond}/s in sequence, ${s.sendPathConcurrentPerSecond}/s with ${s.concurrency} at once`,
      `bare render() ${s.bareRenderPerSecond}/s`,
      s.ratioSpread ? `${s.ratio} (rounds ${s.ratioSpread.min}–${s.ratioSpread.max})` : String(s.ratio),
      '≥ 0.8×',
      verdict(s.ratio >= 0.8),
    ]);
  }
  if (r.idle) {
    const { bare, eventToEmail: e } = r.idle;
    rows.push([
      `event → email at idle (${e.n}, one at a time)`,
      `p50 ${e.p50} ms, p99 ${e.p99} ms (of it, event stored → dispatched p50 ${e.relayP50} ms)`,
      `bare signalWithStart + activity + result p50 ${bare.p50} ms, p99 ${bare.p99} ms`,
      `${ratio(e.p50, bare.p50)} (p99 ${ratio(e.p99, bare.p99)})`,
      '≤ 1.5×, p99 ≤ 1 s',
      verdict(ratio(e.p50, bare.p50) <= 1.5 && e.p99 <= 1000),
    ]);
  }
  if (r.sleeping) {
    const s = r.sleeping;
    rows.push([
      `${s.journeys.toLocaleString('en')} sleeping journeys (+${s.alsoAsleep} more)`,
      `API + relay + worker ${s.memoryMb.sleeping.apiAndWorker} MB RSS (one process), dev server ${s.memoryMb.sleeping.temporalDevServer} MB, SQLite ${s.temporalSqliteMb} MB; put to sleep at ${s.startedPerSecond}/s${s.workerTuning ? `; sticky cache ${s.workerTuning.maxCachedWorkflows}, ${s.workerTuning.maxConcurrentWorkflowTasks} workflow tasks at once` : ''}`,
      `idle: ${s.memoryMb.idle.apiAndWorker} MB, ${s.memoryMb.idle.temporalDevServer} MB`,
      '',
      'worker ≤ 1 GiB at 20,000',
      s.journeys >= 20_000
        ? verdict(s.memoryMb.sleeping.apiAndWorker <= 1024 && s.memoryMb.peakWhileFiring.apiAndWorker <= 1024)
        : `${s.memoryMb.sleeping.apiAndWorker <= 1024 ? 'under' : 'over'} at ${s.journeys.toLocaleString('en')} (20,000 not run)`,
    ]);
    rows.push([
      'all waking at once',
      `${s.firing.complete ? '' : 'out of time: only '}${s.firing.sent} reminders in ${s.firing.seconds} s (${s.firing.remindersPerSecond}/s); peak ${s.memoryMb.peakWhileFiring.apiAndWorker} MB, ${s.memoryMb.peakWhileFiring.temporalDevServer} MB`,
      `delay ${s.delaySeconds} s, stack down meanwhile${s.firing.firedBeforeStop ? `; ${s.firing.firedBeforeStop} fired before the stop, not counted in the rate` : ''}`,
      '',
      'each exactly once',
      s.firing.complete ? verdict(s.firing.duplicates === 0 && s.firing.sent === s.journeys && s.firing.outboxRows === s.journeys) : `none twice so far: ${verdict(s.firing.duplicates === 0)}`,
    ]);
  }
  return [
    `## Worker: render and send, idle latency, sleeping journeys`,
    '',
    `${r.at} · ${r.machine.cpus} cores · load average ${r.machine.loadAverage.join(' ')} at the start · Node ${r.machine.node} · ${r.mode} mode · idle latency on the ${r.database} stack; send path and sleeping journeys on Postgres`,
    '',
    ...(r.carried
      ? [
          Object.entries(r.carried)
            .map(([key, c]) => `${SCENARIO_LABEL[key as Scenario]}: from the ${c!.mode} run of ${c!.at} (load average ${c!.loadAverage.join(' ')}), not run this time.`)
            .join(' '),
          '',
        ]
      : []),
    '| scenario | figure | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('bench (worker): deadline reached, aborting');
    killRunningStacks();
    process.exit(2);
  }, DEADLINE_MS);
  const started = Date.now();
  const results: WorkerResults = {
    at: new Date().toISOString(),
    mode: SHORT ? 'short' : 'full',
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg().map((l) => Math.round(l * 10) / 10) },
    database: process.env.BENCH_DATABASE_URL ? 'postgres' : 'embedded PGlite',
  };
  if (SCENARIOS.has('send-path')) {
    results.sendPath = await benchSendPath({
      serverUrl: benchPostgresServer(),
      secondsPerPhase: SHORT ? 4 : 10,
    });
  }
  if (SCENARIOS.has('idle')) results.idle = await idle();
  if (SCENARIOS.has('sleeping')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'journeys-bench-sleeping-'));
    // On Postgres: the embedded PGlite lives in the launcher and would count as worker memory.
    const database = await freshDatabase(benchPostgresServer());
    try {
      results.sleeping = await sleepingJourneys({
        dataDir,
        ports: await freePorts(),
        journeys: SLEEPING,
        databaseUrl: database.url,
        timeoutMs: DEADLINE_MS - Date.now() + started - 120_000,
      });
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const latest = join(ROOT, 'bench/results/latest-worker.json');
  // History gets what this run measured; the latest results and the section keep the others' figures.
  appendFileSync(join(ROOT, 'bench/results/history.jsonl'), JSON.stringify(results) + '\n');
  // A run of some scenarios (the half-hour sleeping run, a send-path run) keeps the others' figures.
  const merged = carryOverScenarios(results, readPrevious(latest), SCENARIO_KEYS);
  writeFileSync(latest, JSON.stringify(merged, null, 2) + '\n');
  writeResultsSection('worker', markdown(merged));
  console.log(JSON.stringify(results, null, 2));
  clearTimeout(deadline);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  killRunningStacks();
  process.exit(1);
});
