import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { DispatchSettings } from '../config/env';
import { DISPATCH_DEADLINE_MS, dispatchEvent, type DispatchDeps } from './dispatch';
import { rowToEvent, type EventRow, type LeaseRequest } from './store';
import { PausedJourneys } from '../activities/journey-controls';
import { DUE_CHECK_INTERVAL_MS, enqueueDueStarts } from './held-starts';

/**
 * How long a claimed event is ours before another relay may take it: after a relay is killed,
 * its customers wait this long. Every call of the event must be answered LEASE_MARGIN_MS
 * before it ends, so a late answer can never land after the next relay's delivery.
 */
const LEASE_MS = 30_000;
const LEASE_MARGIN_MS = 5_000;
/** How long the relay rests after finding Temporal unreachable, before it tries again. */
const UNAVAILABLE_PAUSE_MS = 5_000;
/** How often a relay lets customers go whose dead letter has held them long enough. */
const RELEASE_INTERVAL_MS = 5_000;
/**
 * How many events of one customer a slot delivers in a row before it goes back to the claim:
 * enough for a customer's burst (a cart edited a few times, then the order), few enough that a
 * customer posting without pause cannot hold a slot.
 */
const FOLLOW_LIMIT = 16;
/** How soon a pass whose free slots are all reserved for hand-offs (stores under way) looks again. */
const RESERVED_RECHECK_MS = 20;

type Outcome = {
  delivered: number;
  unavailable: Error | undefined;
  /** a delivery left its customer's next head to the claim (it did not follow on to it) */
  leftHead: () => void;
};

/**
 * Heads the API stores for the relay of its own process, leased to it by the enqueue
 * (`storeAndLease`): dispatched at once, without a claim. See `EventRelay.handOff`.
 */
export interface HandOff {
  /** what to ask of the enqueue */
  lease: LeaseRequest;
  /** dispatch the rows the enqueue leased; the rest of the reservation is given back */
  take(rows: EventRow[]): void;
  /** nothing was stored (the request failed): give the reservation back */
  cancel(): void;
}

/**
 * Claim up to $1 due heads of lane $3 or lower for $2 seconds: lane 0 first, then oldest
 * first, along the partial index that holds only heads (events_claim_idx), skipping rows
 * another relay is claiming.
 */
export const CLAIM_SQL = `UPDATE events SET leased_until = now() + make_interval(secs => $2)
  WHERE id IN (SELECT id FROM events
                WHERE head_of_line AND dispatched_at IS NULL AND dead_lettered_at IS NULL
                  AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
                  AND lane <= $3
                ORDER BY lane, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING seq, id, type, customer_id, occurred_at, received_at, properties, dispatch_attempts, lane`;

/**
 * The share of the relay's slots marketing events may never fill: a transactional event
 * claimed while the marketing backlog keeps every other slot busy starts at once, instead of
 * waiting for a marketing call to finish on a saturated Temporal.
 */
export const TRANSACTIONAL_RESERVE = 1 / 4;

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
  private releasedAt = 0;
  private dueCheckedAt = 0;
  /** Wakes a running pass that waits on its calls: a transactional event was stored. */
  private wake: (() => void) | undefined;
  private woken = false;
  /**
   * Bumped by a nudge and by a delivery that left its customer's next head unclaimed: a pass
   * claims again only when this moved since its last claim found nothing more.
   */
  private changes = 0;
  /** lines of the running pass, lines handed off by the API, and slots reserved for hand-offs */
  private passLines = 0;
  private readonly handedOff = new Set<Promise<void>>();
  private reserved = 0;
  private readonly settings: DispatchSettings;
  /** the slots marketing events may fill: all but the transactional reserve */
  private get marketingSlots(): number {
    return this.settings.parallelism - Math.floor(this.settings.parallelism * TRANSACTIONAL_RESERVE);
  }

  private readonly deps: RelayDeps;

  constructor(deps: RelayDeps) {
    // One cache of the pause switches per relay: a pause reaches this relay within a second.
    this.deps = { ...deps, pausedJourneys: deps.pausedJourneys ?? new PausedJourneys(deps.db, deps.journeys) };
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

  /**
   * Ask for a pass now (after an insert); coalesces with a pass already running. Lane 0 (a
   * transactional event was stored) also makes a running pass claim at once, into the slots
   * marketing cannot fill.
   */
  nudge(lane: 0 | 1 = 1): void {
    if (this.stopped || Date.now() < this.pausedUntil) return;
    this.changes++;
    if (this.running) {
      this.again = true;
      if (lane === 0) {
        this.woken = true;
        this.wake?.();
      }
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([this.running, ...this.handedOff]);
  }

  /**
   * Room for heads the API is about to store, leased to this relay in the statement that stores
   * them (`storeAndLease`), so that an event at idle goes to Temporal at once: no pass to
   * schedule, no claim. At most `wanted`, and only into slots marketing may fill (the claim
   * keeps its reserve); none while a pass is under way, the relay is stopped or Temporal
   * unreachable, when the claim takes them as before. A head leased so is this relay's like a claimed one: dispatched
   * in its customer's line order, or given back; a process that dies holding it leaves it to the
   * next claim once the lease has run out.
   */
  handOff(wanted: number): HandOff | undefined {
    // A pass under way may have a backlog to claim in its order (transactional lane first,
    // then oldest): a new event joins it instead of going ahead of it.
    if (this.stopped || this.running || Date.now() < this.pausedUntil) return undefined;
    const room = Math.min(wanted, this.marketingSlots - this.passLines - this.handedOff.size - this.reserved);
    if (room <= 0) return undefined;
    this.reserved += room;
    // Taken before the statement that leases: our idea of the lease ends no later than the lease.
    const leaseEnd = Date.now() + LEASE_MS;
    let open = true;
    const giveBack = () => {
      if (open) this.reserved -= room;
      open = false;
    };
    return {
      lease: { max: room, seconds: LEASE_MS / 1000 },
      take: (rows) => {
        giveBack();
        for (const row of rows.slice(0, room)) this.dispatchHandedOff(row, leaseEnd);
      },
      cancel: giveBack,
    };
  }

  /** Resolves once the lines handed off so far are done (a test's way to wait for them). */
  async handedOffDone(): Promise<void> {
    while (this.handedOff.size) await Promise.all([...this.handedOff]);
  }

  private dispatchHandedOff(row: EventRow, leaseEnd: number): void {
    const outcome: Outcome = { delivered: 0, unavailable: undefined, leftHead: () => this.nudge(1) };
    const job: Promise<void> = this.dispatchLine(row, leaseEnd, 1, outcome)
      .catch((err) => this.deps.log.error({ err, eventId: row.id }, 'event hand-off failed; the event waits for its lease to run out'))
      .finally(() => {
        this.handedOff.delete(job);
        if (outcome.unavailable) {
          this.pauseAfter(outcome.unavailable);
          if (!this.running && !this.stopped) this.schedule(UNAVAILABLE_PAUSE_MS);
        }
      });
    this.handedOff.add(job);
  }

  private pauseAfter(err: Error): void {
    this.pausedUntil = Date.now() + UNAVAILABLE_PAUSE_MS;
    this.deps.log.warn({ err: err.message }, 'Temporal unreachable; events wait in the store');
  }

  /**
   * One pass: dispatch every due event. Returns how many were delivered.
   *
   * A pipeline, not batch after batch: up to `parallelism` customers are in flight, and when a
   * few of them are done the relay claims again — so one slow call never holds up the rest, a
   * transactional event posted meanwhile is claimed within a few calls' time, and a delivered
   * event's successor (its customer's next head) is claimable at once.
   */
  async drain(): Promise<number> {
    const { batchSize, parallelism, deadLetterHoldMs } = this.settings;
    if (deadLetterHoldMs !== null && Date.now() - this.releasedAt >= Math.min(RELEASE_INTERVAL_MS, deadLetterHoldMs)) {
      this.releasedAt = Date.now();
      await this.deps.db.query('SELECT journeys_release_dead_letters(make_interval(secs => $1))', [deadLetterHoldMs / 1000]);
    }
    // Claim again as soon as an eighth of the slots is free: the pipeline refills before it
    // runs dry, without a claim per finished call.
    const claimStep = Math.max(1, Math.floor(parallelism / 8));
    const marketingSlots = this.marketingSlots;
    const outcome: Outcome = { delivered: 0, unavailable: undefined, leftHead: () => this.changes++ };
    const inFlight = new Set<Promise<void>>();
    let marketingInFlight = 0;
    // Nothing due in any lane / in lane 0, as of the last claim (until a nudge, or a delivery
    // that leaves its customer's next head to the claim: a line the slot follows needs none).
    let claimedAll = false;
    let laneZeroEmpty = false;
    let changesAtClaim = this.changes;
    this.woken = false;
    try {
      for (;;) {
        if (this.stopped || outcome.unavailable) break;
        // Held journeys whose wait is over join their customers' lines (ingest/held-starts.ts),
        // checked during a long pass too: a backlog must not hold up a due reminder for its whole length.
        if (Date.now() - this.dueCheckedAt >= DUE_CHECK_INTERVAL_MS) {
          this.dueCheckedAt = Date.now();
          if ((await enqueueDueStarts(this.deps.db)) > 0) claimedAll = false;
        }
        if (this.changes !== changesAtClaim || this.woken) {
          claimedAll = false;
          laneZeroEmpty = false;
          this.woken = false;
        }
        // Lines the API handed off (and slots reserved for them) take slots like claimed ones.
        const others = this.handedOff.size + this.reserved;
        const free = parallelism - inFlight.size - others;
        const marketingRoom = Math.min(free, marketingSlots - marketingInFlight - others);
        // Both lanes while marketing has room; only lane 0 into the reserved slots.
        const maxLane = !claimedAll && free >= claimStep && marketingRoom > 0 ? 1 : !claimedAll && !laneZeroEmpty && free > 0 ? 0 : undefined;
        if (maxLane !== undefined) {
          changesAtClaim = this.changes;
          const leaseEnd = Date.now() + LEASE_MS;
          const limit = Math.min(batchSize, maxLane === 1 ? marketingRoom : free);
          const { rows } = await this.deps.db.query<EventRow>(CLAIM_SQL, [limit, LEASE_MS / 1000, maxLane]);
          // Fewer than asked for: nothing else was due in either lane. Claiming again at once would
          // only find nothing (and, on the embedded single-session database, hold up the calls
          // just started); a delivery (its customer's next head) or a nudge claims again.
          if (rows.length < limit && maxLane === 1) claimedAll = true;
          // Lane 0 comes first in a claim: a claim that took a marketing event (or nothing) left none behind.
          if (rows.length < limit || rows.some((r) => r.lane !== 0)) laneZeroEmpty = true;
          for (const row of rows) {
            const marketing = row.lane !== 0;
            if (marketing) marketingInFlight++;
            const job: Promise<void> = this.dispatchLine(row, leaseEnd, marketing ? 1 : 0, outcome).finally(() => {
              inFlight.delete(job);
              this.passLines = inFlight.size;
              if (marketing) marketingInFlight--;
            });
            inFlight.add(job);
            this.passLines = inFlight.size;
          }
          if (rows.length) continue;
        }
        if (!inFlight.size) {
          if (claimedAll && this.changes === changesAtClaim && !this.woken) break;
          if (maxLane !== undefined) continue;
          // Nothing of this pass in flight and no slot it may fill: the API's hand-offs hold them.
        }
        // A line of this pass or a hand-off finishing frees a slot (and may leave a head); a
        // transactional event wakes the pass. Slots only reserved are a store under way: look again soon.
        const woke = new Promise<void>((resolve) => (this.wake = resolve));
        const waits: Promise<unknown>[] = [...inFlight, ...this.handedOff, woke];
        if (!inFlight.size && !this.handedOff.size) waits.push(new Promise((resolve) => setTimeout(resolve, RESERVED_RECHECK_MS)));
        await Promise.race(waits);
        this.wake = undefined;
      }
    } finally {
      this.wake = undefined;
      await Promise.all(inFlight);
      this.passLines = 0;
    }
    if (outcome.unavailable) this.pauseAfter(outcome.unavailable);
    return outcome.delivered;
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
   * Deliver a claimed head, then go on down its customer's line: each delivery claims the
   * customer's next head in the same statement (when it is due), up to FOLLOW_LIMIT events, so
   * a customer's events reach Temporal one after another at the speed of their calls, without
   * waiting for the next claim. A slot of the transactional reserve (`maxLane` 0) only follows
   * heads of lane 0.
   */
  private async dispatchLine(first: EventRow, firstLeaseEnd: number, maxLane: 0 | 1, outcome: Outcome): Promise<void> {
    let row: EventRow | undefined = first;
    let leaseEnd = firstLeaseEnd;
    for (let n = 1; row; n++) {
      const follow = n < FOLLOW_LIMIT && !this.stopped;
      // Taken before the statement that leases the next head: our idea of its lease ends no later than the lease.
      const nextLeaseEnd = Date.now() + LEASE_MS;
      row = await this.dispatchOne(row, leaseEnd, outcome, follow ? maxLane : undefined);
      leaseEnd = nextLeaseEnd;
    }
  }

  /**
   * Deliver one claimed head and record the outcome at once. With `followLane`, recording the
   * delivery also claims the customer's next head (of that lane or lower) and returns it. No
   * transaction is held while Temporal is called (an embedded single-session database would
   * stall every other query meanwhile). A relay that dies here leaves the row to be claimed when its lease runs out; an
   * event is only started while its lease outlasts the call's deadline, so two relays never
   * deliver one customer at once.
   */
  private async dispatchOne(row: EventRow, leaseEnd: number, outcome: Outcome, followLane?: 0 | 1): Promise<EventRow | undefined> {
    if (outcome.unavailable || this.stopped || Date.now() + DISPATCH_DEADLINE_MS > leaseEnd - LEASE_MARGIN_MS) {
      await this.release(row.id, outcome.unavailable);
      return undefined;
    }
    let started: string[];
    try {
      started = (await dispatchEvent(this.deps, rowToEvent(row), row.received_at, leaseEnd - LEASE_MARGIN_MS)).started;
    } catch (err) {
      if (isUnavailable(err)) {
        outcome.unavailable ??= err as Error;
        await this.release(row.id, err as Error);
      } else {
        await this.recordFailure(row, err as Error);
      }
      return undefined;
    }
    if (followLane === undefined) {
      await this.deps.db.query('SELECT journeys_complete_events($1, $2)', [[row.id], started]);
      outcome.delivered += 1;
      outcome.leftHead();
      return undefined;
    }
    const { rows } = await this.deps.db.query<EventRow>('SELECT * FROM journeys_complete_and_follow($1, $2, $3, $4)', [
      row.id,
      started,
      LEASE_MS / 1000,
      followLane,
    ]);
    outcome.delivered += 1;
    // A slot of the transactional reserve does not follow a marketing head: the claim takes it.
    if (!rows[0] && followLane === 0) outcome.leftHead();
    return rows[0];
  }

  /** Give a claimed event back untried (Temporal unreachable, the relay stopping, its lease too short). */
  private async release(id: string, cause: Error | undefined): Promise<void> {
    await this.deps.db.query(`UPDATE events SET leased_until = NULL, dispatch_error = coalesce($2, dispatch_error) WHERE id = $1`, [
      id,
      cause ? `Temporal unavailable: ${cause.message}`.slice(0, 1000) : null,
    ]);
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
