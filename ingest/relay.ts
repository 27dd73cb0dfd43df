import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { dispatchEvent, type DispatchDeps } from './dispatch';
import { rowToEvent, type EventRow } from './store';

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

  private async dispatchBatch(): Promise<{ done: boolean; count: number }> {
    const size = this.deps.batchSize ?? 100;
    const tx = await this.deps.db.connect();
    let count = 0;
    try {
      await tx.query('BEGIN');
      const { rows } = await tx.query<EventRow>(
        `SELECT seq, id, type, customer_id, occurred_at, properties, dispatch_attempts
           FROM events
          WHERE dispatched_at IS NULL AND next_attempt_at <= now()
          ORDER BY seq
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [size],
      );
      const failedCustomers = new Set<string>();
      for (const row of rows) {
        // Keep a customer's events in order: after one fails, the rest of theirs wait too.
        if (failedCustomers.has(row.customer_id)) {
          await tx.query(`UPDATE events SET next_attempt_at = now() + interval '1 second' WHERE id = $1`, [row.id]);
          continue;
        }
        try {
          await dispatchEvent(this.deps, rowToEvent(row));
          await tx.query('UPDATE events SET dispatched_at = now(), dispatch_error = NULL WHERE id = $1', [row.id]);
          count++;
        } catch (err) {
          failedCustomers.add(row.customer_id);
          const backoffSeconds = Math.min(300, 2 ** Math.min(row.dispatch_attempts, 8));
          await tx.query(
            `UPDATE events SET dispatch_attempts = dispatch_attempts + 1, dispatch_error = $2,
                    next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
            [row.id, String((err as Error).message).slice(0, 1000), backoffSeconds],
          );
          this.deps.log.warn({ eventId: row.id, err: (err as Error).message }, 'event dispatch failed; will retry');
        }
      }
      await tx.query('COMMIT');
      return { done: rows.length < size, count };
    } catch (err) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      tx.release();
    }
  }
}
