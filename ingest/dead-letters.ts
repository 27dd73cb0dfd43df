import type { Pool } from 'pg';

/**
 * Events the relay gave up on after their capped attempts. A dead letter keeps its customer's
 * later events waiting for the hold (DISPATCH_DEAD_LETTER_HOLD) so that a fix and a retry keep
 * the customer's order; after the hold those events go on, and a retry then puts the dead
 * letter at the back of its customer's line.
 */
export interface DeadLetter {
  id: string;
  type: string;
  customerId: string;
  occurredAt: string;
  receivedAt: string;
  deadLetteredAt: string;
  attempts: number;
  error: string | null;
  /** true while the customer's later events wait behind it */
  holding: boolean;
  /** when they stop waiting (null: until retried, or already released) */
  holdsUntil: string | null;
  /** the customer's later events waiting behind it now */
  waitingBehind: number;
}

export function deadLetterRule(holdMs: number | null): string {
  if (holdMs === null) return "a dead-lettered event holds its customer's later events until it is retried";
  return `a dead-lettered event holds its customer's later events for ${humanDuration(holdMs)}, then they go on; retried after that, it joins the back of the customer's line`;
}

function humanDuration(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
  for (const [size, name] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  return `${ms} ms`;
}

export async function listDeadLetters(
  db: Pool,
  holdMs: number | null,
  filter: { customerId?: string; limit: number },
): Promise<DeadLetter[]> {
  const { rows } = await db.query(
    `SELECT d.id, d.type, d.customer_id, d.occurred_at, d.received_at, d.dead_lettered_at, d.dispatch_attempts, d.dispatch_error,
            d.head_of_line AS holding,
            CASE WHEN d.head_of_line AND $1::float8 IS NOT NULL THEN d.dead_lettered_at + make_interval(secs => $1::float8) END AS holds_until,
            CASE WHEN d.head_of_line THEN (SELECT count(*) FROM events w WHERE w.customer_id = d.customer_id
                   AND w.dispatched_at IS NULL AND w.dead_lettered_at IS NULL AND w.seq > d.seq) ELSE 0 END AS waiting_behind
       FROM events d
      WHERE d.dead_lettered_at IS NOT NULL AND d.dispatched_at IS NULL AND ($2::text IS NULL OR d.customer_id = $2)
      ORDER BY d.dead_lettered_at LIMIT $3`,
    [holdMs === null ? null : holdMs / 1000, filter.customerId ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    customerId: r.customer_id,
    occurredAt: r.occurred_at.toISOString(),
    receivedAt: r.received_at.toISOString(),
    deadLetteredAt: r.dead_lettered_at.toISOString(),
    attempts: r.dispatch_attempts,
    error: r.dispatch_error,
    holding: r.holding,
    holdsUntil: r.holds_until ? r.holds_until.toISOString() : null,
    waitingBehind: Number(r.waiting_behind),
  }));
}

/** A fresh set of attempts; false when no dead letter has this id. */
export async function retryDeadLetter(db: Pool, id: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT journeys_retry_dead_letter($1) AS ok', [id]);
  return rows[0].ok;
}

/** What /readyz and /metrics show of the dispatch path. */
export interface DispatchHealth {
  pending: number;
  oldestPendingSeconds: number;
  deadLettered: number;
  /** customers whose later events wait behind a dead letter now */
  customersHeld: number;
  /** journeys held back until their customer is quiet (ingest/held-starts.ts), not in Temporal yet */
  heldJourneys: number;
  /** how long the most overdue of them is past its due time (a due one waits in its customer's line, or behind a dead letter) */
  heldOverdueSeconds: number;
}

export async function dispatchHealth(db: Pool): Promise<DispatchHealth> {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM events WHERE dispatched_at IS NULL AND dead_lettered_at IS NULL) AS pending,
            (SELECT extract(epoch FROM now() - received_at)::float8 FROM events
              WHERE dispatched_at IS NULL AND dead_lettered_at IS NULL ORDER BY seq LIMIT 1) AS oldest,
            (SELECT count(*) FROM events WHERE dead_lettered_at IS NOT NULL AND dispatched_at IS NULL) AS dead,
            (SELECT count(DISTINCT customer_id) FROM events WHERE dead_lettered_at IS NOT NULL AND dispatched_at IS NULL AND head_of_line) AS held,
            (SELECT count(*) FROM held_starts) AS held_journeys,
            (SELECT extract(epoch FROM now() - min(due_at))::float8 FROM held_starts WHERE due_at <= now()) AS held_overdue`,
  );
  const r = rows[0];
  return {
    pending: Number(r.pending),
    oldestPendingSeconds: Math.max(0, Number(r.oldest ?? 0)),
    deadLettered: Number(r.dead),
    customersHeld: Number(r.held),
    heldJourneys: Number(r.held_journeys),
    heldOverdueSeconds: Math.max(0, Number(r.held_overdue ?? 0)),
  };
}
