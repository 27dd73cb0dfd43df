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

/** A skip or failure reason as a bounded label: its code (`provider_rejected: <text>` → `provider_rejected`), never free text. */
export function reasonLabel(reason: string | null): string {
  if (!reason) return '';
  const code = reason.split(':', 1)[0].trim();
  return /^[a-z][a-z0-9_]{0,39}$/.test(code) ? code : 'other';
}

interface StoreSnapshot {
  dispatch: DispatchHealth;
  messages: { journey: string; status: string; reason: string; n: number }[];
}

/**
 * Gauges read from Postgres, so every API replica reports the same truth: the relay's backlog
 * (events stored but not yet in Temporal — the first thing to watch when Temporal is down),
 * dead letters, and the message log by journey, status and reason code. One snapshot serves
 * every scrape within `cacheSeconds`, so a scraper (or anyone reaching /metrics) cannot make
 * Postgres count the whole message log on every request.
 */
export function storeMetrics(db: Pool, cacheSeconds: number): Registry {
  const store = new Registry();
  let cached: { at: number; snapshot: Promise<StoreSnapshot> } | undefined;
  const snapshot = (): Promise<StoreSnapshot> => {
    if (!cached || Date.now() - cached.at >= cacheSeconds * 1000) {
      const taken = readSnapshot(db);
      cached = { at: Date.now(), snapshot: taken };
      taken.catch(() => (cached = undefined));
    }
    return cached.snapshot;
  };
  const dispatchGauge = (name: string, help: string, pick: (h: DispatchHealth) => number) =>
    new Gauge({
      name,
      help,
      registers: [store],
      async collect() {
        this.set(pick((await snapshot()).dispatch));
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
    'Customers whose later events wait behind a dead letter (for DISPATCH_DEAD_LETTER_HOLD)',
    (h) => h.customersHeld,
  );
  dispatchGauge('journeys_held_journeys', 'Abandoned-cart, browse and win-back journeys held back until the customer is quiet (not in Temporal yet)', (h) => h.heldJourneys);
  dispatchGauge(
    'journeys_held_journeys_overdue_seconds',
    'How long the most overdue held journey is past its due time (a relay should start it within seconds)',
    (h) => h.heldOverdueSeconds,
  );
  new Gauge({
    name: 'journeys_messages',
    help: 'Messages in the log by journey, status and reason code',
    labelNames: ['journey', 'status', 'reason'],
    registers: [store],
    async collect() {
      const { messages } = await snapshot();
      this.reset();
      for (const r of messages) this.inc({ journey: r.journey, status: r.status, reason: r.reason }, r.n);
    },
  });
  return store;
}

async function readSnapshot(db: Pool): Promise<StoreSnapshot> {
  const [dispatch, messages] = await Promise.all([
    dispatchHealth(db),
    db.query<{ journey: string; status: string; reason: string | null; n: number }>(
      `SELECT journey, status, split_part(skip_reason, ':', 1) AS reason, count(*)::int AS n FROM messages GROUP BY 1, 2, 3`,
    ),
  ]);
  return { dispatch, messages: messages.rows.map((r) => ({ ...r, reason: reasonLabel(r.reason) })) };
}
