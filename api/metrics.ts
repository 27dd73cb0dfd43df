import type { Pool } from 'pg';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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
  new Gauge({
    name: 'journeys_events_pending',
    help: 'Events stored but not yet delivered to Temporal',
    registers: [store],
    async collect() {
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL');
      this.set(rows[0].n);
    },
  });
  new Gauge({
    name: 'journeys_events_oldest_pending_seconds',
    help: 'Age of the oldest event not yet delivered to Temporal (0 when none)',
    registers: [store],
    async collect() {
      const { rows } = await db.query<{ age: number | null }>(
        'SELECT extract(epoch FROM now() - min(received_at))::float AS age FROM events WHERE dispatched_at IS NULL',
      );
      this.set(rows[0].age ?? 0);
    },
  });
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
