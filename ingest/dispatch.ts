import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Pool } from 'pg';
import type { JourneysConfig } from '../config/journeys';
import { CustomerIdKey, JourneyKey, MARKETING_PRIORITY, TRANSACTIONAL_PRIORITY } from '../workflows/messages';
import { vipStanding } from '../activities/vip';
import { PausedJourneys } from '../activities/journey-controls';
import { isKnownConsentingCustomer } from '../activities/browse';
import { journeyRoutes, routesFor, signalFor, type RouteLookups, type RouteMatch, type RoutedEvent } from './routes';
import { JOURNEY_DUE, type JourneyDueEvent } from './due-events';
import { cancelHolds, dueHold, holdStarts, isRecordedAsStarted, releaseHold } from './held-starts';
import type { HeldBack } from '../workflows/kit';
import { toMs } from '../shared/durations';

export function routeLookups(db: Pool): RouteLookups {
  return {
    async replenishableProducts(productIds) {
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM products WHERE id = ANY($1) AND replenish_days IS NOT NULL',
        [productIds],
      );
      return rows.map((r) => r.id);
    },
    vipStanding: (customerId) => vipStanding(db, { customerId }),
    async customerAttributes(customerId) {
      const { rows } = await db.query<{ attributes: Record<string, string | number | boolean> }>(
        'SELECT attributes FROM customers WHERE id = $1 AND erased_at IS NULL',
        [customerId],
      );
      return rows[0]?.attributes ?? {};
    },
    isKnownConsentingCustomer: (customerId) => isKnownConsentingCustomer(db, customerId),
    async orderProductIds(orderId) {
      const { rows } = await db.query<{ product_id: string }>(
        `SELECT DISTINCT item->>'productId' AS product_id FROM orders, jsonb_array_elements(items) AS item WHERE id = $1`,
        [orderId],
      );
      return rows.map((r) => r.product_id);
    },
  };
}

/**
 * Which of these workflow ids the relay ever started (journey_instances); all of them for a
 * customer whose history predates that record.
 */
async function startedAmong(db: Pool, customerId: string, workflowIds: string[]): Promise<(id: string) => boolean> {
  const { rows } = await db.query<{ workflow_id: string | null }>(
    `SELECT workflow_id FROM journey_instances WHERE workflow_id = ANY($1)
     UNION ALL SELECT NULL FROM journey_untracked_customers WHERE customer_id = $2`,
    [workflowIds, customerId],
  );
  if (rows.some((r) => r.workflow_id === null)) return () => true;
  const started = new Set(rows.map((r) => r.workflow_id));
  return (id) => started.has(id);
}

/** What one dispatch did: the journeys it started (for journey_instances) and its Temporal calls. */
export interface Dispatched {
  started: string[];
  calls: number;
}

export interface DispatchDeps {
  db: Pool;
  client: Client;
  taskQueue: string;
  journeys: JourneysConfig;
  /** the shop's pause switches; default: read from the database on every event */
  pausedJourneys?: PausedJourneys;
  /**
   * Hold the starts of journeys that first wait for quiet (a route's `holdUntilQuiet`) until
   * the wait is over (ingest/held-starts.ts). Default true; false starts them on the first event.
   */
  holdUntilQuiet?: boolean;
}

/** A Temporal that is down or unreachable must fail the attempt (the relay retries later), not hang the relay. */
export const DISPATCH_DEADLINE_MS = 15_000;

/**
 * Deliver one stored event to every journey its routes name. Safe to repeat: a start of a
 * journey that exists becomes a signal, and journeys drop an event id they have seen. The
 * journeys of one event are independent of each other, so their calls go out together.
 * An event older than a route's maximum age (`receivedAt` − `occurredAt`) skips that route.
 */
export async function dispatchEvent(
  deps: DispatchDeps,
  event: RoutedEvent,
  receivedAt = new Date(),
  /** epoch ms by which every call must be answered (the relay's lease ends soon after) */
  deadline = Date.now() + DISPATCH_DEADLINE_MS,
): Promise<Dispatched> {
  if (event.type === JOURNEY_DUE) return startHeld(deps, event, deadline);
  // Dated by when we stored it: an event that waited out a Temporal outage is not history.
  const age = receivedAt.getTime() - Date.parse(event.occurredAt);
  let matches = (await routesFor(event, routeLookups(deps.db), deps.journeys)).filter(
    (m) => m.route.maxEventAge === undefined || age <= toMs(m.route.maxEventAge),
  );
  // A paused journey starts no new runs; the event still reaches a run already under way
  // (an order must still end a running cart journey, and its sends are skipped meanwhile).
  if (matches.some((m) => m.action === 'start')) {
    const paused = deps.pausedJourneys ?? new PausedJourneys(deps.db, deps.journeys, 0);
    const pausedNow = await Promise.all(matches.map((m) => (m.action === 'start' ? paused.isPaused(m.route.name) : false)));
    matches = matches.map((m, i) => (pausedNow[i] ? { ...m, action: 'signal' as const } : m));
  }
  // A journey that first waits for quiet and is not running yet is held, not started. One that
  // is started directly (holding switched off) leaves no hold behind to start later. One recorded
  // as started is told as a running journey would be, and held when its run turns out to have ended.
  const holdable = matches.filter((m) => m.action === 'start' && m.route.holdUntilQuiet);
  if (holdable.length) {
    const holding = deps.holdUntilQuiet !== false;
    const ids = holdable.map((m) => m.route.workflowId(event));
    const recorded = holding ? await startedAmong(deps.db, event.customerId, ids) : () => true;
    const held = holdable.filter((m) => !recorded(m.route.workflowId(event)));
    await holdStarts(deps.db, event, held.map((m) => m.route), deps.journeys);
    await cancelHolds(deps.db, ids.filter(recorded));
    matches = matches
      .filter((m) => !held.includes(m))
      .map((m) => (holding && holdable.includes(m) ? { ...m, action: 'signal' as const, holdIfEnded: true as const } : m));
  }
  const starts = matches.filter((m) => m.action === 'start');
  const signals = matches.filter((m) => m.action === 'signal');
  if (!matches.length) return { started: [], calls: 0 };
  let calls = starts.length;
  await deps.client.withDeadline(Math.min(deadline, Date.now() + DISPATCH_DEADLINE_MS), async () => {
    // The starts go out at once; only the signals wait for the look-up of which journeys were
    // ever started (a signal to one that never was would only come back "not found").
    const signalsToStarted = async () => {
      if (!signals.length) return [];
      const started = await startedAmong(deps.db, event.customerId, signals.map((m) => m.route.workflowId(event)));
      const reached = signals.filter((m) => m.holdIfEnded || started(m.route.workflowId(event)));
      // A journey may be held: what ends it before its first step cancels the hold (whether or
      // not a run is recorded too: an older replica may have started one), a start event that
      // may not start it (paused, outside the audience) pushes it back.
      const cancels = signals.filter((m) => !m.holdIfEnded && m.route.holdUntilQuiet?.cancelledBy(event));
      const pushes = signals.filter((m) => !reached.includes(m) && m.route.holdUntilQuiet && !cancels.includes(m) && m.route.startOn.includes(event.type));
      await cancelHolds(deps.db, cancels.map((m) => m.route.workflowId(event)));
      await holdStarts(deps.db, event, pushes.map((m) => m.route), deps.journeys, { heldOnly: true });
      calls += reached.length;
      return Promise.allSettled(reached.map((m) => deliver(deps, event, m)));
    };
    const [started, signalled] = await Promise.all([Promise.allSettled(starts.map((m) => deliver(deps, event, m))), signalsToStarted()]);
    const failed = [...started, ...signalled].find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return { started: starts.map((m) => m.route.workflowId(event)), calls };
}

/**
 * A held journey's wait is over: start it with the events held for it, unless the hold was
 * cancelled or pushed back meanwhile (then this due event is stale). A customer held in a
 * journey is in it: paused since, it starts all the same, and its send is skipped and logged
 * as for a customer whose workflow was running.
 */
async function startHeld(deps: DispatchDeps, event: JourneyDueEvent, deadline: number): Promise<Dispatched> {
  const hold = await dueHold(deps.db, event);
  if (!hold) return { started: [], calls: 0 };
  const route = journeyRoutes.find((r) => r.name === event.properties.journey);
  // A journey no longer in the table, or one started without its hold (switched off, an older
  // replica): the hold is left over, and starting it now could mail after the exit it missed.
  if (!route || (await isRecordedAsStarted(deps.db, event.properties.workflowId))) {
    await releaseHold(deps.db, event, false);
    return { started: [], calls: 0 };
  }
  await deps.client.withDeadline(Math.min(deadline, Date.now() + DISPATCH_DEADLINE_MS), () =>
    deliver(deps, hold.newest as RoutedEvent, { route, action: 'start' }, hold.heldBack),
  );
  await releaseHold(deps.db, event, true);
  return { started: [route.workflowId(hold.newest as RoutedEvent)], calls: 1 };
}

async function deliver(deps: DispatchDeps, event: RoutedEvent, { route, action, holdIfEnded }: RouteMatch, heldBack?: HeldBack): Promise<void> {
  const workflowId = route.workflowId(event);
  const signal = signalFor(route, event);
  if (action === 'signal') {
    try {
      await deps.client.workflow.getHandle(workflowId).signal(signal.definition, ...(signal.args as [never]));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // The journey ran its course (or was erased): forget it, so the customer's next events
      // skip the call instead of asking a closed journey again at every order. Safe without a
      // race: only this customer's own events (one at a time) start or signal their journeys,
      // and a start records the journey again.
      if (route.customerScoped !== false) await deps.db.query('DELETE FROM journey_instances WHERE workflow_id = $1', [workflowId]);
      if (holdIfEnded) await holdStarts(deps.db, event, [route], deps.journeys);
    }
    return;
  }
  const input = route.input(event as never, deps.journeys);
  try {
    await deps.client.workflow.signalWithStart(route.workflow, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [heldBack ? { ...(input as object), heldBack } : input],
      signal: signal.definition,
      signalArgs: signal.args as [never],
      workflowIdReusePolicy:
        // 'never' still lets a run that was terminated (erasure) or failed start again for a
        // fresh customer under the same id; a completed journey stays done. A restarted run
        // cannot mail twice: its sends hit the same ledger keys.
        route.restart === 'never'
          ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
          : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: new TypedSearchAttributes([
        ...(route.customerScoped === false ? [] : [{ key: CustomerIdKey, value: event.customerId }]),
        { key: JourneyKey, value: route.name },
      ]),
      staticSummary: route.summary,
      // Its workflow tasks (and activities that set none) go ahead of the marketing backlog in
      // the task queue: what the customer waits for is not stuck behind other customers' carts.
      priority: { priorityKey: route.lane === 'transactional' ? TRANSACTIONAL_PRIORITY : MARKETING_PRIORITY },
    });
  } catch (err) {
    // A 'never restart' journey that already ran its course for this id.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
