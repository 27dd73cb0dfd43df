import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { createPool } from '../../db/pool';
import { migrate } from '../../db/migrate';
import { startTemporalDevServer, type TemporalDevServer } from '../../dev/temporal-server';
import { resolveTemporalCli } from '../../dev/temporal-binaries';
import { startFakeResend } from '../../test/helpers/fake-resend';
import { workflowBundle } from '../../test/helpers/workflow-bundle';
import { freePort } from '../../test/helpers/free-port';
import { notDeadLetteredClause } from './dead-letters';
import { AppProcess, sleep, waitForHttp, waitForOutput, type Exit, type FaultRecord } from './processes';
import { ShopClient } from './shop-client';
import { catalogue, expectedMail, findMail, makeShoppers, playShopper, type Shopper } from './shoppers';
import { verify, type Verdict } from './verify';
import { seededRandom } from '../seeded-random';

/**
 * The fault-injection run: the production shape as separate processes on loopback — real
 * Postgres (a fresh database), the Temporal dev server on a SQLite file, two API processes,
 * two workers, a fake Resend that keeps its own record — driven by hundreds of customers while
 * processes are killed and restarted, connections cut and the provider misbehaves. Then the
 * provider's record and Postgres are checked against what each customer had to receive.
 */
export interface ChaosOptions {
  customers: number;
  /** customers start spread over this long */
  trafficWindowMs: number;
  /** faults happen within this long from the start of the traffic */
  faultWindowMs: number;
  workerKills: number;
  /** give up waiting for the expected mail after this long from the start of the traffic */
  deadlineMs: number;
  /** after everything expected arrived, how long to watch for mail that should not come */
  settleMs: number;
  /** how long a shopper waits for an email its next move depends on (a loaded machine is slow) */
  mailWaitMs: number;
  journeys: { welcomeReminderAfter: string; cartFirstReminderAfter: string; cartSecondReminderAfter: string };
  sendRatePerSecond: number;
  resendTimeoutMs: number;
  seed: number;
  log: (line: string) => void;
}

export const SHORT: Omit<ChaosOptions, 'seed' | 'log'> = {
  customers: 40,
  trafficWindowMs: 8_000,
  faultWindowMs: 24_000,
  workerKills: 2,
  // from the start of traffic: a cart's two reminders (12 s + 8 s) behind a worker kill and a
  // Temporal restart were seen to need 68 s under the suite's load (the first one's task waited
  // 31 s for a poller), so 60 s reported a late email as missing
  deadlineMs: 90_000,
  settleMs: 5_000,
  // a shopper waits this long for the mail its next move needs: on a starved machine (the suite's
  // other files beside it, load above 10) an order notice after a Temporal restart took over 45 s
  mailWaitMs: 75_000,
  journeys: { welcomeReminderAfter: '20 seconds', cartFirstReminderAfter: '12 seconds', cartSecondReminderAfter: '8 seconds' },
  sendRatePerSecond: 25,
  resendTimeoutMs: 2_000,
};

export const FULL: Omit<ChaosOptions, 'seed' | 'log'> = {
  customers: 320,
  trafficWindowMs: 120_000,
  faultWindowMs: 170_000,
  workerKills: 6,
  deadlineMs: 420_000,
  settleMs: 15_000,
  mailWaitMs: 240_000,
  journeys: { welcomeReminderAfter: '60 seconds', cartFirstReminderAfter: '40 seconds', cartSecondReminderAfter: '30 seconds' },
  sendRatePerSecond: 25,
  resendTimeoutMs: 3_000,
};

export interface ChaosReport {
  verdict: Verdict;
  faults: FaultRecord[];
  durationMs: number;
  runDir: string;
  database: string;
}

const SERVER_URL = process.env.CHAOS_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const API_KEY = 'chaos-api-key-0123456789';

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log;
  const random = seededRandom(options.seed);
  const stamp = `${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}_${process.pid}`;
  const runDir = resolve(__dirname, '../../.data/chaos', stamp);
  mkdirSync(runDir, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  let keepDatabase = true;
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };

  try {
    // --- Postgres: a fresh database
    const database = `journeys_chaos_${stamp}`;
    const admin = new Client({ connectionString: SERVER_URL });
    await admin.connect().catch((err: Error) => {
      throw new Error(`the chaos suite needs PostgreSQL at ${SERVER_URL} (set CHAOS_DATABASE_URL): ${err.message}`);
    });
    await admin.query(`CREATE DATABASE ${database}`);
    cleanups.push(async () => {
      // A failed run keeps its database for a look at the events and the send ledger.
      if (keepDatabase) log(`kept database ${database} for inspection`);
      else await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });
    const dbUrl = new URL(SERVER_URL);
    dbUrl.pathname = `/${database}`;
    // Our own connections are marked, so that cutting "the app's" connections spares them.
    const observer = createPool(`${dbUrl}?application_name=chaos-observer`, 4);
    cleanups.push(() => observer.end());
    await migrate(observer);

    // --- fake Resend with faults
    const resend = await startFakeResend({
      faults: {
        rateLimited: 0.2,
        serverError: 0.05,
        acceptThenHang: 0.02,
        hangMs: options.resendTimeoutMs * 2,
        conflict: 0.01,
        random,
      },
    });
    cleanups.push(() => resend.close());

    // --- Temporal dev server on a SQLite file
    const cli = resolveTemporalCli();
    if (!cli) throw new Error('no Temporal CLI: run `npm run setup` first');
    const temporalOptions = {
      cliPath: cli,
      dataDir: join(runDir, 'temporal'),
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      logger: () => undefined,
    };
    let temporal: TemporalDevServer = await startTemporalDevServer(temporalOptions);
    cleanups.push(() => temporal.stop());

    // --- journey delays shortened, guardrails that don't depend on the clock of the run
    const journeysFile = join(runDir, 'journeys.json');
    writeFileSync(
      journeysFile,
      JSON.stringify(
        {
          welcome: { reminderAfter: options.journeys.welcomeReminderAfter },
          abandonedCart: {
            firstReminderAfter: options.journeys.cartFirstReminderAfter,
            secondReminderAfter: options.journeys.cartSecondReminderAfter,
          },
          // One alert per waiting subscriber in the first batch.
          backInStock: { subscribersPerUnit: 10 },
          // Journeys the traffic starts but does not test stay asleep during the run.
          postPurchase: { thankYouAfter: '30 days' },
          // Quiet hours would depend on the hour of the run; the cap would skip reminders that
          // come seconds apart here but days apart in production.
          guardrails: { quietHoursStart: 0, quietHoursEnd: 0, frequencyCapCount: 1000 },
        },
        null,
        2,
      ),
    );

    // --- two APIs, two workers (sharing one prebuilt workflow bundle: restarts take seconds)
    const bundlePath = join(runDir, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    const apiPorts = [await freePort(), await freePort()];
    const apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      API_KEY,
      TOKEN_SECRET: 'chaos-token-secret-0123456789',
      DATABASE_URL: dbUrl.toString(),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'journeys',
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: resend.url,
      RESEND_TIMEOUT_MS: String(options.resendTimeoutMs),
      SEND_RATE_PER_SECOND: String(options.sendRatePerSecond),
      JOURNEYS_CONFIG_FILE: journeysFile,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      // The links in emails name one replica; the shop client sends a link's path to any.
      PUBLIC_URL: apiUrls[0],
      // The load is the shop's own traffic: no per-key throttling in this run.
      API_RATE_LIMIT_PER_MINUTE: '0',
    };
    const apis = apiPorts.map(
      (port, i) =>
        new AppProcess(`api-${i + 1}`, 'api/server.ts', { ...env, API_PORT: String(port) }, join(runDir, `api-${i + 1}.log`), () =>
          waitForHttp(`${apiUrls[i]}/healthz`, 90_000),
        ),
    );
    const workers = [1, 2].map(
      (i) =>
        new AppProcess(`worker-${i}`, 'worker.ts', env, join(runDir, `worker-${i}.log`), (_p, output) =>
          waitForOutput(output, '"msg":"worker running"', 90_000),
        ),
    );
    for (const p of [...apis, ...workers]) cleanups.push(() => p.stop());
    await Promise.all([...apis, ...workers].map((p) => p.start()));
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (run dir ${runDir})`);

    const client = new ShopClient(apis.map((a, i) => ({ name: a.name, url: apiUrls[i] })), API_KEY);

    // --- the catalogue
    const products = catalogue(Math.max(2, Math.ceil(options.customers / 40)));
    for (const [i, p] of [...products.inStock, ...products.soldOut].entries()) {
      const stock = products.inStock.includes(p) ? 1000 : 0;
      await client.put(`/v1/products/${p.id}`, { title: p.title, price: p.price, currency: 'EUR', url: `https://shop.example/p/${p.id}`, stock }, i);
    }

    const shoppers = makeShoppers(options.customers, products.soldOut.map((p) => p.id));
    const trafficStart = Date.now();
    const faults: FaultRecord[] = [];
    const faultsDone = injectFaults({ options, random, apis, workers, client, faults, trafficStart, observer, database, log,
      restartTemporal: async () => {
        await temporal.stop();
        temporal = await startTemporalDevServer(temporalOptions);
      },
    });

    // --- the traffic
    const ctx = {
      client,
      resend,
      catalogue: products,
      mailWaitMs: options.mailWaitMs,
      orderAfterCartMs: 1_500,
      run: stamp,
    };
    // The shop's retries of events it already sent, all through the run: the API faults always
    // hit requests in flight, and every repeat must be answered `duplicate` and applied once.
    let faultsOver = false;
    const repeats = Array.from({ length: 3 }, async (_, lane) => {
      while (!faultsOver) {
        const pick = client.acceptedEvents[Math.floor(random() * client.acceptedEvents.length)];
        if (pick) await client.postEvents([pick], lane).catch(() => undefined);
        await sleep(100);
      }
    });
    const playing = shoppers.map(async (s, i) => {
      await sleep((i * options.trafficWindowMs) / shoppers.length);
      await playShopper(ctx, s).catch((err: Error) => {
        s.stuck = err.message;
      });
    });
    await Promise.all(playing);
    log(`traffic done after ${((Date.now() - trafficStart) / 1000).toFixed(1)} s; restocking`);
    await restock(client, observer, products.soldOut, options.deadlineMs - (Date.now() - trafficStart));

    // --- wait for the expected mail, the relay and the sends to settle
    const deadline = trafficStart + options.deadlineMs;
    for (;;) {
      const missing = shoppers.reduce((n, s) => n + expectedMail(s).filter((k) => !findMail(resend, s.email, k)).length, 0);
      const backlog = await unsettled(observer);
      if (missing === 0 && backlog === 0) break;
      if (Date.now() > deadline) {
        log(`deadline: ${missing} expected emails missing, ${backlog} events/sends unsettled`);
        break;
      }
      await sleep(1_000);
    }
    await faultsDone;
    faultsOver = true;
    await Promise.all(repeats);
    log(`watching ${options.settleMs / 1000} s more for mail that should not come`);
    await sleep(options.settleMs);

    const crashes = [...apis, ...workers].flatMap((p) => p.crashes);
    const verdict = await verify({ shoppers, resend, client, db: observer, faults, sendRatePerSecond: options.sendRatePerSecond, crashes });
    keepDatabase = !verdict.ok;
    const report = { verdict, faults, durationMs: Date.now() - started, runDir, database };
    writeFileSync(join(runDir, 'report.json'), JSON.stringify({ ...report, shoppers, emails: resend.emails.map((m) => ({ to: m.body.to, key: m.idempotencyKey, at: m.receivedAt })) }, null, 2));
    return report;
  } finally {
    await cleanup();
  }
}

async function unsettled(db: ReturnType<typeof createPool>): Promise<number> {
  try {
    const { rows } = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM events WHERE dispatched_at IS NULL ${await notDeadLetteredClause(db)})
            + (SELECT count(*) FROM messages WHERE status IN ('pending', 'deferred')) AS n`,
    );
    return Number(rows[0].n);
  } catch {
    return Number.POSITIVE_INFINITY; // the observer's connection was cut: ask again
  }
}

/** After every back-in-stock request was dispatched, the sold-out products come back. */
async function restock(client: ShopClient, db: ReturnType<typeof createPool>, soldOut: { id: string; title: string; price: number }[], withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const { rows } = await db
      .query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE type = 'back_in_stock.requested' AND dispatched_at IS NULL`)
      .catch(() => ({ rows: [{ n: 1 }] }));
    if (Number(rows[0].n) === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  for (const [i, p] of soldOut.entries()) {
    await client.put(`/v1/products/${p.id}`, { title: p.title, price: p.price, currency: 'EUR', url: `https://shop.example/p/${p.id}`, stock: 100 }, i);
  }
}

interface FaultDeps {
  options: ChaosOptions;
  random: () => number;
  apis: AppProcess[];
  workers: AppProcess[];
  client: ShopClient;
  faults: FaultRecord[];
  trafficStart: number;
  observer: ReturnType<typeof createPool>;
  database: string;
  log: (line: string) => void;
  restartTemporal: () => Promise<void>;
}

/**
 * The faults, at seeded random times within the fault window, one at a time (a process killed
 * is restarted before the next fault): worker SIGKILLs, one worker SIGTERM, one API SIGKILL
 * mid-load, one API SIGTERM, one Temporal restart on the same SQLite file, and one cut of every
 * app connection to Postgres.
 */
async function injectFaults(d: FaultDeps): Promise<void> {
  const { options, random, apis, workers, client, faults } = d;
  type Fault = { what: string; act: () => Promise<Exit | void> };
  const killWorker = (n: number): Fault => ({
    what: `SIGKILL ${workers[n % 2].name}`,
    act: async () => {
      const exit = await workers[n % 2].kill('SIGKILL');
      await sleep(300 + random() * 1_200);
      await workers[n % 2].start();
      return exit;
    },
  });
  const list: Fault[] = Array.from({ length: options.workerKills }, (_, n) => killWorker(n));
  list.push({
    what: `SIGTERM ${workers[1].name}`,
    act: async () => {
      const exit = await workers[1].kill('SIGTERM');
      await workers[1].start();
      return exit;
    },
  });
  list.push({
    what: `SIGKILL ${apis[0].name}`,
    act: async () => {
      const exit = await apis[0].kill('SIGKILL');
      await sleep(2_000);
      await apis[0].start();
      return exit;
    },
  });
  list.push({
    what: `SIGTERM ${apis[1].name}`,
    act: async () => {
      // Batches of repeated events (hundreds of rows each) keep requests in flight at the moment
      // of the SIGTERM: each must still be answered.
      const batch = client.acceptedEvents.slice(-200);
      const inFlight = batch.length ? Array.from({ length: 4 }, () => client.postEvents(batch, 1).catch(() => undefined)) : [];
      await sleep(15);
      client.markDraining(apis[1].name);
      const exit = await apis[1].kill('SIGTERM');
      await Promise.all(inFlight);
      await apis[1].start();
      client.markBack(apis[1].name);
      return exit;
    },
  });
  list.push({ what: 'restart Temporal dev server (same SQLite file)', act: d.restartTemporal });
  list.push({
    what: 'pg_terminate_backend on every app connection',
    act: async () => {
      const { rows } = await d.observer.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> 'chaos-observer'`,
        [d.database],
      );
      d.log(`  cut ${rows[0].n} Postgres connections`);
    },
  });
  // Shuffle, then give each a time: the order and the moments differ per seed.
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  const times = list.map(() => 0.05 + random() * 0.9).sort((a, b) => a - b);
  for (const [i, fault] of list.entries()) {
    const due = d.trafficStart + times[i] * options.faultWindowMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const at = Date.now() - d.trafficStart;
    d.log(`  t+${(at / 1000).toFixed(1)} s: ${fault.what}`);
    try {
      const exit = await fault.act();
      faults.push({ at, what: fault.what, ...(exit ? { exit } : {}) });
    } catch (err) {
      faults.push({ at, what: `${fault.what} FAILED: ${(err as Error).message.slice(0, 300)}` });
    }
  }
}


export type { Shopper };
