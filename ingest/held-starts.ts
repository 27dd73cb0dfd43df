import type { Pool } from 'pg';
import type { JourneysConfig } from '../config/journeys';
import type { HeldBack, JourneyEvent } from '../workflows/kit';
import { toMs } from '../shared/durations';
import type { JourneyDueEvent } from './due-events';
import type { JourneyRoute, RoutedEvent } from './routes';

/**
 * Journeys held back until the customer is quiet (a route's `holdUntilQuiet`; the table is
 * db/migrations/132_held_starts.sql). An abandoned-cart journey started on the first cart
 * update would take every later update as a signal and, for most carts, end on the order
 * without ever mailing: every one of those calls is a billed action and a turn of the Temporal
 * server while shops are busiest. Held back, a cart costs no Temporal call until its first
 * reminder is due, and none at all when it is bought, checked out or emptied first.
 *
 * Dispatch decides in line order (one event of a customer at a time), so holding, pushing back
 * and cancelling need no lock of their own; the due event goes through the same line.
 */

/** The start events kept per held journey: as many as a journey reads (browse keeps 20 views). */
export const HELD_EVENTS_KEPT = 20;

/** How often a relay looks for holds whose wait is over (the reminder is at most this late). */
export const DUE_CHECK_INTERVAL_MS = 1_000;

/**
 * Hold (or push back) these journeys' starts for this event: no workflow until the wait is over.
 * `heldOnly`: push back only a hold that exists (an event that may not start the journey — it
 * is paused, the customer is outside its audience — still reaches one the customer is in).
 */
export async function holdStarts(
  db: Pool,
  event: RoutedEvent,
  routes: JourneyRoute[],
  config: JourneysConfig,
  options: { heldOnly?: boolean } = {},
): Promise<void> {
  for (const route of routes) {
    const after = toMs(route.holdUntilQuiet!.after(config));
    // A redelivered event (its completion was lost, an outage) is not held twice, and does not
    // restart the wait: the customer was quiet since it first arrived.
    await db.query(
      `INSERT INTO held_starts (workflow_id, journey, customer_id, events, quiet_since, due_at)
       SELECT $1, $2, $3, jsonb_build_array($4::jsonb), now(), now() + make_interval(secs => $5)
        WHERE NOT $8::boolean OR EXISTS (SELECT 1 FROM held_starts WHERE workflow_id = $1)
       ON CONFLICT (workflow_id) DO UPDATE
          SET events = (SELECT jsonb_agg(e ORDER BY n) FROM (
                          SELECT e, n FROM jsonb_array_elements(held_starts.events || jsonb_build_array($4::jsonb)) WITH ORDINALITY AS t(e, n)
                           ORDER BY n DESC LIMIT $7) kept),
              quiet_since = now(), due_at = EXCLUDED.due_at, due_event_id = NULL
        WHERE NOT held_starts.events @> jsonb_build_array(jsonb_build_object('id', $6::text))`,
      [route.workflowId(event), route.name, event.customerId, JSON.stringify(event), after / 1000, event.id, HELD_EVENTS_KEPT, options.heldOnly ?? false],
    );
  }
}

/**
 * The customer did what ends these journeys before their first step (ordered, checked out), or
 * the journey was started without its hold (holding switched off, an older replica): nothing
 * is left to start.
 */
export async function cancelHolds(db: Pool, workflowIds: string[]): Promise<void> {
  if (workflowIds.length) await db.query('DELETE FROM held_starts WHERE workflow_id = ANY($1)', [workflowIds]);
}

export interface DueHold {
  /** the newest held event: the start's signal */
  newest: JourneyEvent;
  heldBack: HeldBack;
}

/**
 * The hold a due event names, if it is still the one to start: none when an exit cancelled it
 * or a newer start event pushed it back (a later due event then names it).
 */
export async function dueHold(db: Pool, event: JourneyDueEvent): Promise<DueHold | undefined> {
  const { rows } = await db.query<{ events: JourneyEvent[]; quiet_since: Date }>(
    'SELECT events, quiet_since FROM held_starts WHERE workflow_id = $1 AND due_event_id = $2',
    [event.properties.workflowId, event.id],
  );
  if (!rows[0]) return undefined;
  const { events, quiet_since } = rows[0];
  return { newest: events[events.length - 1], heldBack: { events, quietSince: quiet_since.getTime() } };
}

/**
 * The hold is done: the journey started (`started`), or it was not to be started. A started one
 * is recorded as running in the same statement, so a redelivered due event (its completion was
 * lost) finds no hold and the customer's next events still reach the running journey.
 */
export async function releaseHold(db: Pool, event: JourneyDueEvent, started: boolean): Promise<void> {
  await db.query(
    `WITH released AS (DELETE FROM held_starts WHERE workflow_id = $1 AND due_event_id = $2 RETURNING workflow_id)
     INSERT INTO journey_instances (workflow_id) SELECT workflow_id FROM released WHERE $3::boolean ON CONFLICT (workflow_id) DO NOTHING`,
    [event.properties.workflowId, event.id, started],
  );
}

/** Whether dispatch recorded this journey as started (then a hold for it is left over, not to be started again). */
export async function isRecordedAsStarted(db: Pool, workflowId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM journey_instances WHERE workflow_id = $1', [workflowId]);
  return (rowCount ?? 0) > 0;
}

/** Put a due event into the line of each customer whose wait is over; returns how many. */
export async function enqueueDueStarts(db: Pool, max = 1000): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT journeys_enqueue_due_starts($1) AS n', [max]);
  return rows[0].n;
}

export interface HeldJourney {
  workflowId: string;
  journey: string;
  events: number;
  quietSince: string;
  dueAt: string;
}

/** A customer's held journeys, for the API (they are not in Temporal yet). */
export async function heldJourneysOf(db: Pool, customerId: string): Promise<HeldJourney[]> {
  const { rows } = await db.query<{ workflow_id: string; journey: string; events: number; quiet_since: Date; due_at: Date }>(
    'SELECT workflow_id, journey, jsonb_array_length(events) AS events, quiet_since, due_at FROM held_starts WHERE customer_id = $1 ORDER BY due_at',
    [customerId],
  );
  return rows.map((r) => ({ workflowId: r.workflow_id, journey: r.journey, events: r.events, quietSince: r.quiet_since.toISOString(), dueAt: r.due_at.toISOString() }));
}
