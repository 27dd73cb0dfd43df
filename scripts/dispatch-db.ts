/**
 * The Postgres that dispatch (ingest/dispatch.ts) talks to, in memory, for `npm run actions`:
 * the journeys the relay started (journey_instances) and the held starts (ingest/held-starts.ts,
 * db/migrations/132_held_starts.sql), on the clock of the time-skipping server. What the shop's
 * data answers (products, orders, pause switches) comes from `shop`; a statement neither
 * knows fails loudly, so a new question of dispatch cannot go unanswered unnoticed.
 *
 * The relay's own part is here too: `recordStarted` is what completing an event does with the
 * journeys its dispatch started (journeys_complete_events), `enqueueDue` what the relay's due
 * check does (journeys_enqueue_due_starts, migration 133). Every due event is dispatched at once
 * here, so the check's second case (a due event dispatched without starting, due again a minute
 * later) never arises and is left out.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { JOURNEY_DUE, type JourneyDueEvent } from '../ingest/due-events';

type Rows = { rows: unknown[]; rowCount?: number };

interface HeldStart {
  workflowId: string;
  journey: string;
  customerId: string;
  /** the start events held, in line order, the newest last */
  events: { id: string }[];
  quietSince: number;
  dueAt: number;
  dueEventId: string | null;
}

export interface DispatchDb {
  db: Pool;
  /** the relay completed an event whose dispatch started these journeys */
  recordStarted(workflowIds: string[]): void;
  /** the earliest due time of a hold no due event names yet */
  nextDueAt(): number | undefined;
  /** the relay's due check: a journey.due event for every hold whose wait is over, marked on the hold */
  enqueueDue(): Promise<JourneyDueEvent[]>;
  readonly instances: ReadonlySet<string>;
  readonly held: ReadonlyMap<string, HeldStart>;
}

export function dispatchDb(options: {
  /** Postgres's now(): the time-skipping server's clock */
  now: () => Promise<number>;
  /** the shop's answers; undefined: not a question of the shop */
  shop: (sql: string, params: unknown[]) => Rows | undefined;
}): DispatchDb {
  const instances = new Set<string>();
  const held = new Map<string, HeldStart>();

  const query = async (sql: string, params: unknown[] = []): Promise<Rows> => {
    // startedAmong: the customer is tracked (signed up after journey_instances existed), so never the NULL row.
    if (sql.includes('FROM journey_instances WHERE workflow_id = ANY($1)')) {
      return { rows: (params[0] as string[]).filter((id) => instances.has(id)).map((workflow_id) => ({ workflow_id })) };
    }
    // startHeld: a hold for a journey recorded as started is left over
    if (sql.startsWith('SELECT 1 FROM journey_instances WHERE workflow_id = $1')) {
      const rows = instances.has(params[0] as string) ? [{}] : [];
      return { rows, rowCount: rows.length };
    }
    // a signal answered "not found": the journey ran its course
    if (sql.startsWith('DELETE FROM journey_instances WHERE workflow_id = $1')) {
      instances.delete(params[0] as string);
      return { rows: [] };
    }
    if (sql.includes('INSERT INTO held_starts')) {
      const [workflowId, journey, customerId, eventJson, afterSeconds, eventId, kept, heldOnly] = params as [string, string, string, string, number, string, number, boolean];
      const now = await options.now();
      const row = held.get(workflowId);
      // heldOnly: push back only a hold that exists; a redelivered event changes nothing
      if (row ? row.events.some((e) => e.id === eventId) : heldOnly) return { rows: [] };
      const event = JSON.parse(eventJson) as { id: string };
      held.set(workflowId, {
        workflowId,
        journey: row?.journey ?? journey,
        customerId: row?.customerId ?? customerId,
        events: [...(row?.events ?? []), event].slice(-kept),
        quietSince: now,
        dueAt: now + afterSeconds * 1000,
        dueEventId: null,
      });
      return { rows: [] };
    }
    if (sql.startsWith('DELETE FROM held_starts WHERE workflow_id = ANY($1)')) {
      for (const id of params[0] as string[]) held.delete(id);
      return { rows: [] };
    }
    if (sql.startsWith('SELECT events, quiet_since FROM held_starts WHERE workflow_id = $1 AND due_event_id = $2')) {
      const row = held.get(params[0] as string);
      return { rows: row && row.dueEventId === params[1] ? [{ events: row.events, quiet_since: new Date(row.quietSince) }] : [] };
    }
    // releaseHold: the hold is done; a journey it started is recorded in the same statement
    if (sql.startsWith('WITH released AS (DELETE FROM held_starts WHERE workflow_id = $1 AND due_event_id = $2 RETURNING workflow_id)')) {
      const [workflowId, dueEventId, started] = params as [string, string, boolean];
      if (held.get(workflowId)?.dueEventId !== dueEventId) return { rows: [] };
      held.delete(workflowId);
      if (started) instances.add(workflowId);
      return { rows: [] };
    }
    const answer = options.shop(sql, params);
    if (answer) return answer;
    throw new Error(`the typical customer's database has no answer to: ${sql}`);
  };

  const waiting = () => [...held.values()].filter((h) => h.dueEventId === null);
  return {
    db: { query } as unknown as Pool,
    instances,
    held,
    recordStarted: (workflowIds) => workflowIds.forEach((id) => instances.add(id)),
    nextDueAt: () => (waiting().length ? Math.min(...waiting().map((h) => h.dueAt)) : undefined),
    async enqueueDue() {
      const now = await options.now();
      const due = waiting()
        .filter((h) => h.dueAt <= now)
        .sort((a, b) => a.dueAt - b.dueAt);
      return due.map((h) => {
        h.dueEventId = `${JOURNEY_DUE}:${randomUUID()}`;
        return {
          id: h.dueEventId,
          type: JOURNEY_DUE,
          customerId: h.customerId,
          occurredAt: new Date(now).toISOString(),
          properties: { journey: h.journey, workflowId: h.workflowId },
        };
      });
    },
  };
}
