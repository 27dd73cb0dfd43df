import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { dispatchEvent, type DispatchDeps } from './dispatch';
import { rowToEvent, type EventRow } from './store';

/** How long a claimed event is ours before another relay may take it (a crash mid-batch). */
const LEASE_SECONDS = 60;
/** Customers dispatched at once; each customer's own events stay sequential. */
const DISPATCH_PARALLELISM = 16;

/**
 * Moves stored events to Temporal. The API nudges it after each insert; a poll picks up what
 * a crash or a Temporal outage left behind. Rows are claimed with SKIP LOCKED so several API
 * replicas share the work, and in `seq` order so a customer's events arrive as posted.
 * An event whose dispatch fails is retried with backoff: 202 means it will be applied.
 */
export class EventRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: DispatchDeps & { db: Pool; log: Logger; pollInterval?: number; batchSize?: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Ask for a pass now (after an insert); coalesces with a pass already running. */
  nudge(): void {
    if (this.stopped) return;
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
          const next = this.again ? 0 : (this.deps.pollInterval ?? 2000);
          this.again = false;
          this.schedule(next);
        });
    }, delay);
    this.timer.unref?.();
  }

  /**
   * Claim a batch with a short lease (no transaction is held while Temporal is called: an
   * embedded single-session database would stall every other query meanwhile), dispatch each
   * customer's events in order and different customers in parallel, then record the outcome.
   * A relay that dies mid-batch leaves its rows to be picked up when the lease runs out.
   */
  private async dispatchBatch(): Promise<{ done: boolean; count: number }> {
    const size = this.deps.batchSize ?? 100;
    const { rows } = await this.deps.db.query<EventRow>(
      `UPDATE events SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM events
                      WHERE dispatched_at IS NULL AND next_attempt_at <= now()
                      ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING seq, id, type, customer_id, occurred_at, properties, dispatch_attempts`,
      [size, LEASE_SECONDS],
    );
    const byCustomer = new Map<string, EventRow[]>();
    for (const row of rows.sort((a, b) => Number(a.seq) - Number(b.seq))) {
      const list = byCustomer.get(row.customer_id) ?? [];
      list.push(row);
      byCustomer.set(row.customer_id, list);
    }
    const delivered: string[] = [];
    const queue = [...byCustomer.values()];
    const worker = async () => {
      for (let events = queue.shift(); events; events = queue.shift()) {
        for (const [i, row] of events.entries()) {
          try {
            await dispatchEvent(this.deps, rowToEvent(row));
            delivered.push(row.id);
          } catch (err) {
            await this.recordFailure(row, err as Error);
            // Keep a customer's events in order: the rest of theirs wait for the retry too.
            for (const later of events.slice(i + 1)) await this.recordFailure(later, new Error('an earlier event of this customer failed'), false);
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DISPATCH_PARALLELISM, queue.length) }, worker));
    if (delivered.length) {
      await this.deps.db.query('UPDATE events SET dispatched_at = now(), dispatch_error = NULL WHERE id = ANY($1)', [delivered]);
    }
    return { done: rows.length < size, count: delivered.length };
  }

  private async recordFailure(row: EventRow, err: Error, countAttempt = true): Promise<void> {
    const backoffSeconds = countAttempt ? Math.min(300, 2 ** Math.min(row.dispatch_attempts, 8)) : 1;
    await this.deps.db.query(
      `UPDATE events SET dispatch_attempts = dispatch_attempts + $4, dispatch_error = $2,
              next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
      [row.id, String(err.message).slice(0, 1000), backoffSeconds, countAttempt ? 1 : 0],
    );
    if (countAttempt) this.deps.log.warn({ eventId: row.id, err: err.message }, 'event dispatch failed; will retry');
  }
}
