/**
 * Event to email at idle, beside its baseline on the same Temporal server:
 *   bare     signal-with-start of a one-activity workflow (bench/workflows/round-trip.ts) and
 *            its result, one at a time, timed by this client
 *   journey  one customer.created at a time through the API; its welcome email's sent_at minus
 *            the event's received_at (both Postgres clock)
 */
import { Client as PgClient } from 'pg';
import { Connection, Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pokeSignal } from './workflows/round-trip';

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(ms: number[]): LatencySummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
  return { n: sorted.length, p50: at(50), p99: at(99), max: Math.round(sorted[sorted.length - 1] * 10) / 10 };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How often the journey side looks for its email. The latency is read from Postgres timestamps,
 * so this sets only how much load the look-up adds: on the embedded stack every query runs in
 * the measured process (PGlite shares its thread with the API, the relay and the worker), and a
 * look-up every 5 ms took about a third of that database's time while the email was on its way
 * (the bare side waits on its result without a query). 20 ms keeps it to a few queries an email.
 */
const POLL_MS = 20;

/** Bare signal-with-start + one no-op activity + result, `count` times in sequence. */
export async function bareRoundTrips(temporalAddress: string, namespace: string, count: number): Promise<LatencySummary> {
  const taskQueue = `bench-round-trip-${process.pid}`;
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('./workflows/round-trip'),
    activities: { noop: async (id: string) => id },
  });
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  const latencies: number[] = [];
  try {
    await worker.runUntil(async () => {
      for (let i = 0; i < count + 3; i++) {
        const t0 = performance.now();
        const handle = await client.workflow.signalWithStart('roundTrip', {
          workflowId: `bench-round-trip-${process.pid}-${i}`,
          taskQueue,
          signal: pokeSignal,
          signalArgs: [String(i)],
        });
        await handle.result();
        // the first few warm the worker's cache and the connection
        if (i >= 3) latencies.push(performance.now() - t0);
        await pause(100);
      }
    });
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
  return summarize(latencies);
}

/** One customer.created at a time; event received → welcome email sent, per Postgres timestamps. */
export async function idleEventToEmail(
  stack: { api: string; key: string; pgUrl: string },
  count: number,
): Promise<LatencySummary & { relayP50: number }> {
  const db = new PgClient({ connectionString: stack.pgUrl });
  await db.connect();
  const latencies: number[] = [];
  const relay: number[] = [];
  try {
    for (let i = 0; i < count + 3; i++) {
      const customerId = `idle-${process.pid}-${i}`;
      const res = await fetch(`${stack.api}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'customer.created',
          customerId,
          properties: { email: `${customerId}@bench.example`, firstName: 'Idle', marketingConsent: true },
        }),
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}`);
      const deadline = Date.now() + 15_000;
      let ms: number | undefined;
      let relayMs = 0;
      while (ms === undefined && Date.now() < deadline) {
        const { rows } = await db.query(
          `SELECT extract(epoch FROM (m.sent_at - e.received_at)) * 1000 AS ms,
                  extract(epoch FROM (e.dispatched_at - e.received_at)) * 1000 AS relay_ms
             FROM messages m JOIN events e ON e.customer_id = m.customer_id AND e.type = 'customer.created'
            WHERE m.customer_id = $1 AND m.status = 'sent'`,
          [customerId],
        );
        if (rows[0]) {
          ms = Number(rows[0].ms);
          relayMs = Number(rows[0].relay_ms);
        } else await pause(POLL_MS);
      }
      if (ms === undefined) throw new Error(`no welcome email for ${customerId} within 15 s`);
      if (i >= 3) {
        latencies.push(ms);
        relay.push(relayMs);
      }
      await pause(200);
    }
  } finally {
    await db.end();
  }
  // received → dispatched: the relay's share (dispatched_at is written once its calls are done)
  return { ...summarize(latencies), relayP50: summarize(relay).p50 };
}
