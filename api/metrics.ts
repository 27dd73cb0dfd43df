import type { Pool } from 'pg';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { dispatchHealth, type DispatchHealth } from '../ingest/dead-letters';

/** Prometheus metrics of the API process, served at /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const eventsAccepted = new Counter({
  name: 'journeys_events_accepted_total',
  help: 'Events accepted by POST /v1/events',
  labelNames: ['duplicate'],
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'journeys_http_requests_total',
  help: 'HTTP requests by route and status',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});

/**
 * Gauges read from Postgres at scrape time, so every API replica reports the same truth:
 * the relay's backlog (events stored but not yet in Temporal — the first thing to watch when
 * Temporal is down) and the message log by journey and status.
 */
export function storeMetrics(db: Pool): Registry {
  const store = new Registry();
  // One read of the dispatch path per scrape, shared by its gauges.
  let health: Promise<DispatchHealth> | undefined;
  const read = () => (health ??= dispatchHealth(db).finally(() => setTimeout(() => (health = undefined), 0)));
  const dispatchGauge = (name: string, help: string, pick: (h: DispatchHealth) => number) =>
    new Gauge({
      name,
      help,
      registers: [store],
      async collect() {
        this.set(pick(await read()));
      },
    });
  dispatchGauge('journeys_events_pending', 'Events stored but not yet delivered to Temporal (dead letters not counted)', (h) => h.pending);
  dispatchGauge(
    'journeys_events_oldest_pending_seconds',
    'Age of the oldest event not yet delivered to Temporal (0 when none)',
    (h) => h.oldestPendingSeconds,
  );
  dispatchGauge('journeys_events_dead_lettered', 'Events the relay gave up on after their capped attempts (list: GET /v1/dead-letters)', (h) => h.deadLettered);
  dispatchGauge(
    'journeys_events_dead_letter_held_customers',
    "Customers whose later events wait behind a dead letter (for DISPATCH_DEAD_LETTER_HOLD)",
    (h) => h.customersHeld,
  );
  new Gauge({
    name: 'journeys_messages',
    help: 'Messages in the log by journey, status and skip reason',
    labelNames: ['journey', 'status', 'reason'],
    registers: [store],
    async collect() {
      const { rows } = await db.query<{ journey: string; status: string; reason: string | null; n: number }>(
        'SELECT journey, status, skip_reason AS reason, count(*) AS n FROM messages GROUP BY 1, 2, 3',
      );
      this.reset();
      for (const r of rows) this.set({ journey: r.journey, status: r.status, reason: r.reason ?? '' }, r.n);
    },
  });
  return store;
}
