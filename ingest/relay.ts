import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { DispatchSettings } from '../config/env';
import { DISPATCH_DEADLINE_MS, dispatchEvent, type DispatchDeps } from './dispatch';
import { rowToEvent, type EventRow } from './store';

/** How long a claimed event is ours before another relay may take it (a crash mid-batch). */
const LEASE_MS = 60_000;
/** How long the relay rests after finding Temporal unreachable, before it tries again. */
const UNAVAILABLE_PAUSE_MS = 5_000;

/**
 * Claim up to $1 due heads for $2 seconds: lane 0 first, then oldest first, along the partial
 * index that holds only heads (events_claim_idx), skipping rows another relay is claiming.
 */
export const CLAIM_SQL = `UPDATE events SET leased_until = now() + make_interval(secs => $2)
  WHERE id IN (SELECT id FROM events
                WHERE head_of_line AND dispatched_at IS NULL AND dead_lettered_at IS NULL
                  AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
                ORDER BY lane, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING seq, id, type, customer_id, occurred_at, received_at, properties, dispatch_attempts`;

const DEFAULTS: DispatchSettings = { batchSize: 100, parallelism: 32, maxAttempts: 8, deadLetterHoldMs: 15 * 60_000 };

export type RelayDeps = DispatchDeps & { db: Pool; log: Logger; pollInterval?: number } & Partial<DispatchSettings>;

/**
 * Moves stored events to Temporal. The API nudges it after each insert; a poll picks up what
 * a crash or a Temporal outage left behind. Several relays (API replicas) share the work.
 *
 * Order: only a customer's head-of-line event is claimable, and the next one becomes head when
 * it is dispatched (db/migrations/040_dispatch_queue.sql), so no event of a customer reaches
 * Temporal while an earlier one has not — across retries, passes, replicas and commit order.
 * Priority: the claim takes the transactional lane first.
 * Poison: an event that failed `maxAttempts` times is dead-lettered; it keeps its customer's
 * later events waiting for `deadLetterHoldMs` (null: until it is retried), then lets them go.
 * An unreachable Temporal is not the event's fault: it costs no attempt, the relay pauses.
 */
export class EventRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private pausedUntil = 0;
  private readonly settings: DispatchSettings;

  constructor(private readonly deps: RelayDeps) {
    this.settings = {
      batchSize: deps.batchSize ?? DEFAULTS.batchSize,
      parallelism: deps.parallelism ?? DEFAULTS.parallelism,
      maxAttempts: deps.maxAttempts ?? DEFAULTS.maxAttempts,
      deadLetterHoldMs: deps.deadLetterHoldMs === undefined ? DEFAULTS.deadLetterHoldMs : deps.deadLetterHoldMs,
    };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Ask for a pass now (after an insert); coalesces with a pass already running. */
  nudge(): void {
    if (this.stopped || Date.now() < this.pausedUntil) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: dispatch every due event. Returns how many were delivered. */
  async drain(): Promise<number> {
    let delivered = 0;
    if (this.settings.deadLetterHoldMs !== null) {
      await this.deps.db.query('SELECT journeys_release_dead_letters(make_interval(secs => $1))', [this.settings.deadLetterHoldMs / 1000]);
    }
    for (;;) {
      const { done, count } = await this.dispatchBatch();
      delivered += count;
      if (done || this.stopped) return delivered;
    }
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err }, 'event relay pass failed'))
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          const paused = this.pausedUntil - Date.now();
          const next = paused > 0 ? paused : this.again ? 0 : (this.deps.pollInterval ?? 2000);
          this.again = false;
          this.schedule(next);
        });
    }, delay);
    this.timer.unref?.();
  }

  /**
   * Claim a batch of heads (one per customer) with a lease — no transaction is held while
   * Temporal is called: an embedded single-session database would stall every other query
   * meanwhile — dispatch them in parallel, then record the outcome. A relay that dies mid-batch
   * leaves its rows to be picked up when the lease runs out; an event is only started while
   * its lease outlasts the call's deadline, so two relays never deliver one customer at once.
   */
  private async dispatchBatch(): Promise<{ done: boolean; count: number }> {
    const { batchSize, parallelism } = this.settings;
    const leaseEnd = Date.now() + LEASE_MS;
    const { rows } = await this.deps.db.query<EventRow>(CLAIM_SQL, [batchSize, LEASE_MS / 1000]);
    const delivered: string[] = [];
    const started: string[] = [];
    const failed: { row: EventRow; err: Error }[] = [];
    const untried: string[] = [];
    let unavailable: Error | undefined;
    const queue = [...rows];
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        if (unavailable || Date.now() + DISPATCH_DEADLINE_MS > leaseEnd) {
          untried.push(row.id);
          continue;
        }
        try {
          const outcome = await dispatchEvent(this.deps, rowToEvent(row), row.received_at);
          delivered.push(row.id);
          started.push(...outcome.started);
        } catch (err) {
          if (isUnavailable(err)) {
            unavailable ??= err as Error;
            untried.push(row.id);
          } else failed.push({ row, err: err as Error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelism, rows.length) }, worker));
    if (delivered.length) await this.deps.db.query('SELECT journeys_complete_events($1, $2)', [delivered, started]);
    for (const { row, err } of failed) await this.recordFailure(row, err);
    if (untried.length) {
      await this.deps.db.query(
        `UPDATE events SET leased_until = NULL, dispatch_error = coalesce($2, dispatch_error) WHERE id = ANY($1)`,
        [untried, unavailable ? `Temporal unavailable: ${unavailable.message}`.slice(0, 1000) : null],
      );
    }
    if (unavailable) {
      this.pausedUntil = Date.now() + UNAVAILABLE_PAUSE_MS;
      this.deps.log.warn({ err: unavailable.message }, 'Temporal unreachable; events wait in the store');
    }
    // A delivered head may have made its customer's next event head: go on until nothing is due.
    return { done: rows.length === 0 || unavailable !== undefined, count: delivered.length };
  }

  private async recordFailure(row: EventRow, err: Error): Promise<void> {
    const attempts = row.dispatch_attempts + 1;
    const dead = attempts >= this.settings.maxAttempts;
    const backoffSeconds = Math.min(300, 2 ** Math.min(row.dispatch_attempts, 8));
    await this.deps.db.query(
      `UPDATE events SET dispatch_attempts = $4, dispatch_error = $2, leased_until = NULL,
              next_attempt_at = now() + make_interval(secs => $3),
              dead_lettered_at = CASE WHEN $5 THEN now() END
        WHERE id = $1`,
      [row.id, String(err.message).slice(0, 1000), backoffSeconds, attempts, dead],
    );
    if (dead) {
      this.deps.log.error({ eventId: row.id, customerId: row.customer_id, attempts, err: err.message }, 'event dead-lettered');
    } else {
      this.deps.log.warn({ eventId: row.id, attempts, err: err.message }, 'event dispatch failed; will retry');
    }
  }
}

/** gRPC codes of a Temporal that is down or overloaded: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE. */
const UNAVAILABLE_GRPC = new Set([1, 4, 8, 14]);
/** Postgres gone mid-dispatch (a lookup): connection failures, admin shutdown. */
const UNAVAILABLE_PG = /^(ECONNREFUSED|ECONNRESET|EPIPE|57P0[1-3]|08\d{3})$/;

/** The infrastructure failed, not the event: no attempt is counted. */
export function isUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'number' && UNAVAILABLE_GRPC.has(e.code)) return true;
    if (typeof e.code === 'string' && UNAVAILABLE_PG.test(e.code)) return true;
    if (typeof e.message === 'string' && /Connection terminated|UNAVAILABLE|DEADLINE_EXCEEDED/.test(e.message)) return true;
  }
  return false;
}
