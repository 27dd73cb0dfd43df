/**
 * Sleeping journeys: `count` abandoned carts waiting out their first-reminder delay, then all
 * waking at once.
 *   0. calibration: how fast this machine starts journeys (200 carts that sleep for an hour and
 *      stay asleep), so that the delay below outlasts starting them all and no longer
 *   1. stack up again; the idle memory of the API + worker process and of the dev server
 *   2. `count` customers with consent and a cart each (batches of 100): as many abandoned-cart
 *      journeys, each asleep on its timer (its first task run: counted in Temporal, not from the
 *      relay's dispatches); memory and the dev server's SQLite size again
 *   3. the stack stops and stays down until every timer is past due, then starts again: every
 *      journey wakes in the same moment. Time until the last reminder is out, and the check
 *      that each cart got exactly one reminder (the ledger and the outbox agree, no duplicates).
 */
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { postEvents, startStack, type Stack, type StackPorts } from './stack';
import { loadConfig, type WorkerTuning } from '../config/env';

/**
 * The carts start their journeys on the first update (DISPATCH_HOLD_UNTIL_QUIET=false): the
 * scenario is about journeys asleep in Temporal. Held back, the same carts would wait in
 * Postgres and reach Temporal only when due, all at once.
 */
const SLEEP_IN_TEMPORAL = { DISPATCH_HOLD_UNTIL_QUIET: 'false' };

export interface SleepingResult {
  journeys: number;
  memoryMb: {
    idle: { apiAndWorker: number; temporalDevServer: number | null };
    sleeping: { apiAndWorker: number; temporalDevServer: number | null };
    /** after every journey woke and sent, the heaviest the processes got while they did */
    peakWhileFiring: { apiAndWorker: number; temporalDevServer: number | null };
  };
  temporalSqliteMb: number;
  /** journeys asleep (first workflow task run, timer started) per second while they were started */
  startedPerSecond: number;
  firing: {
    seconds: number;
    complete: boolean;
    remindersPerSecond: number;
    sent: number;
    duplicates: number;
    outboxRows: number;
    /** reminders out before the stack stopped (their timer fired while others were still starting) */
    firedBeforeStop: number;
  };
  delaySeconds: number;
  /** calibration journeys that sleep on through the run */
  alsoAsleep: number;
  workerMaxCachedWorkflows: string;
  /** the worker tuning the stack ran with (WORKER_* or the defaults) */
  workerTuning: WorkerTuning;
}

export async function putProduct(stack: Stack): Promise<void> {
  const body = { title: 'Bench tea', price: 10, url: 'https://shop.example.com/p/bench-tea', stock: 1_000_000 };
  const status = await postEvents(stack, body, '/v1/products/bench-tea', 'PUT');
  if (status >= 300) throw new Error(`PUT /v1/products answered ${status}`);
}

/** `count` customers with consent, each with a one-item cart: as many abandoned-cart journeys. */
export async function postCarts(stack: Stack, prefix: string, count: number): Promise<void> {
  for (let b = 0; b < count; b += 100) {
    const ids = Array.from({ length: Math.min(100, count - b) }, (_, i) => `${prefix}-${b + i}`);
    const profiles = ids.map((customerId) => ({
      type: 'customer.updated',
      customerId,
      properties: { email: `${customerId}@bench.example`, marketingConsent: true },
    }));
    const carts = ids.map((customerId) => ({
      type: 'cart.updated',
      customerId,
      properties: {
        cartId: `cart-${customerId}`,
        cartUrl: `https://shop.example.com/cart/${customerId}`,
        items: [{ productId: 'bench-tea', title: 'Bench tea', price: 10, quantity: 1 }],
      },
    }));
    for (const events of [profiles, carts]) {
      const answered = await postEvents(stack, { events });
      if (answered !== 202) throw new Error(`batch answered ${answered}`);
    }
  }
}

/**
 * Every journey asleep on its timer: `expected` abandoned carts whose first workflow task ran
 * (it sets JourneyStep and starts the timer). The relay having dispatched every cart is not
 * enough: on a loaded machine the worker's first tasks lag the relay's starts by minutes (a run
 * of 20,000 counted them asleep with most never run, their timers not even started).
 */
export async function allAsleep(stack: Stack, expected: number, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const client = new Client({ connection, namespace: 'default' });
    const query = `Journey = 'abandoned-cart' AND JourneyStep = 'waiting-for-inactivity'`;
    await waitFor('every journey asleep', timeoutMs, async () => ((await client.workflow.count(query)).count >= expected ? true : undefined));
  } finally {
    await connection.close();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`sleeping journeys: ${what} did not happen within ${timeoutMs / 1000} s`);
    await pause(500);
  }
}

async function count(pgUrl: string, sql: string): Promise<number> {
  const db = new PgClient({ connectionString: pgUrl });
  await db.connect();
  try {
    return Number((await db.query(sql)).rows[0].n);
  } finally {
    await db.end();
  }
}

/** Ledger rows and outbox messages of the sleepers, and any customer or address that has more than one. */
async function exactlyOnce(pgUrl: string): Promise<{ rows: number; perCustomer: number; outboxRows: number; outboxPerAddress: number }> {
  const db = new PgClient({ connectionString: pgUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM messages WHERE customer_id LIKE 'sleeper-%') AS rows,
              (SELECT count(*) FROM (SELECT 1 FROM messages WHERE customer_id LIKE 'sleeper-%' GROUP BY customer_id HAVING count(*) > 1) d) AS per_customer,
              (SELECT count(*) FROM outbox WHERE to_email LIKE 'sleeper-%') AS outbox_rows,
              (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE to_email LIKE 'sleeper-%' GROUP BY to_email HAVING count(*) > 1) d) AS outbox_per_address`,
    );
    const r = rows[0];
    return { rows: Number(r.rows), perCustomer: Number(r.per_customer), outboxRows: Number(r.outbox_rows), outboxPerAddress: Number(r.outbox_per_address) };
  } finally {
    await db.end();
  }
}

export async function sleepingJourneys(options: {
  dataDir: string;
  ports: StackPorts;
  journeys: number;
  /** the stack's Postgres (the worker's memory is then the API + relay + worker alone) */
  databaseUrl?: string;
  /** the whole scenario gives up after this */
  timeoutMs: number;
}): Promise<SleepingResult> {
  const n = options.journeys;
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1_000, deadline - Date.now());

  const calibration = await startStack(options.dataDir, options.ports, { journeys: { abandonedCart: { firstReminderAfter: '1 hour' } }, env: SLEEP_IN_TEMPORAL, databaseUrl: options.databaseUrl });
  let startRate: number;
  try {
    await putProduct(calibration);
    const c0 = Date.now();
    await postCarts(calibration, 'calibration', 200);
    await allAsleep(calibration, 200, left());
    startRate = 200 / ((Date.now() - c0) / 1000);
  } finally {
    await calibration.stop();
  }
  // The delay outlasts starting them all (with room for a slower moment); the stack is down when it
  // passes. The whole wait is about the delay again, so the room is modest: a journey whose timer
  // fires before the stack stops is counted (firedBeforeStop) rather than spoiling the run.
  const delaySeconds = Math.ceil(Math.max(45, (n / startRate) * 1.2 + 30));
  const journeys = { abandonedCart: { firstReminderAfter: `${delaySeconds} seconds` } };

  let stack: Stack = await startStack(options.dataDir, options.ports, { journeys, env: SLEEP_IN_TEMPORAL, databaseUrl: options.databaseUrl });
  let peak = { apiAndWorker: 0, temporalDevServer: 0 as number | null };
  try {
    await pause(3_000);
    const idle = stack.memoryMb();

    const t0 = Date.now();
    await postCarts(stack, 'sleeper', n);
    // Every journey asleep on its timer (the calibration's 200 sleep on too).
    await allAsleep(stack, n + 200, left());
    const allStartedAt = Date.now();
    const startedPerSecond = Math.round((n / (allStartedAt - t0)) * 1000);
    await pause(5_000);
    const sleeping = stack.memoryMb();
    await stack.stop();
    // Stopped: nothing sends until the restart. Reminders out already woke before the others.
    const firedBeforeStop = await count(stack.pgUrl, `SELECT count(*) AS n FROM messages WHERE customer_id LIKE 'sleeper-%'`);
    const dueAt = allStartedAt + delaySeconds * 1000;
    const temporalSqliteMb = stack.temporalSqliteMb();
    await pause(Math.max(0, dueAt - Date.now()) + 2_000);

    stack = await startStack(options.dataDir, options.ports, { journeys, env: SLEEP_IN_TEMPORAL, databaseUrl: options.databaseUrl });
    const t1 = Date.now();
    const sampler = setInterval(() => {
      const m = stack.memoryMb();
      peak = {
        apiAndWorker: Math.max(peak.apiAndWorker, m.apiAndWorker),
        temporalDevServer: Math.max(peak.temporalDevServer ?? 0, m.temporalDevServer ?? 0),
      };
    }, 500);
    // Out of time, the figures so far are the result (complete: false) rather than nothing.
    let complete = true;
    try {
      await waitFor('every reminder sent', left(), async () =>
        (await count(stack.pgUrl, `SELECT count(*) AS n FROM messages WHERE customer_id LIKE 'sleeper-%' AND status = 'sent'`)) >= n
          ? true
          : undefined,
      );
    } catch {
      complete = false;
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - t1) / 1000;
    // Exactly once: one ledger row per cart, one outbox message per ledger row, nothing else sent.
    await pause(3_000);
    // One statement, one snapshot: counted apart, a send landing between the counts (the run may
    // be out of time with sends in flight) would read as an outbox row without its ledger row.
    const { rows, perCustomer, outboxRows, outboxPerAddress } = await exactlyOnce(stack.pgUrl);
    return {
      journeys: n,
      memoryMb: { idle, sleeping, peakWhileFiring: peak },
      temporalSqliteMb,
      startedPerSecond,
      firing: {
        seconds: Math.round(seconds * 10) / 10,
        complete,
        remindersPerSecond: Math.round(((complete ? n : rows) - firedBeforeStop) / seconds),
        firedBeforeStop,
        sent: rows,
        duplicates: perCustomer + outboxPerAddress + Math.max(0, rows - n) + Math.max(0, outboxRows - rows),
        outboxRows,
      },
      delaySeconds,
      alsoAsleep: 200,
      workerMaxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default',
      workerTuning: loadConfig({ ...process.env, DATABASE_URL: '' }, { embedded: true, allowGeneratedSecrets: true }).worker,
    };
  } finally {
    await stack.stop();
  }
}
