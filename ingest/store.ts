import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withFirstStatements, withTransaction } from '../db/transaction';
import { literal } from '../db/literal';
import type { ShopEvent, ShopEventOf } from './event-schemas';
import { profileConsentOf, profileReadSql, profileWritesSql, project, projections } from './projections';
import { knownConsentingCustomers } from '../activities/browse';
import { dispatchLaneOf, mayReachJourney, onlyForConsentingCustomers, type RoutedEvent } from './routes';

export type IncomingEvent = Omit<ShopEvent, 'id' | 'occurredAt'> & { id?: string; occurredAt?: string };

export interface StoredEvent {
  id: string;
  /** true when this id was stored before: accepted, not applied again */
  duplicate: boolean;
}

type Queryable = Pick<PoolClient, 'query'>;

/**
 * Put events into the store and the dispatch queue in the order given, under their customers'
 * dispatch locks (see db/migrations/040_dispatch_queue.sql), in one statement. Events that
 * reach no journey are stored as dispatched and never queue. Returns the ids stored now.
 */
export async function enqueueEvents(db: Queryable, events: RoutedEvent[], options: { import?: boolean } = {}): Promise<Set<string>> {
  return (await enqueue(db, events, options)).stored;
}

/**
 * What the API asks of the enqueue for the relay of its own process: lease up to `max` of the
 * heads stored now for `seconds`, in the same statement, and hand them back (see
 * db/migrations/131_enqueue_and_lease.sql).
 */
export interface LeaseRequest {
  max: number;
  seconds: number;
}

async function enqueue(
  db: Queryable,
  events: RoutedEvent[],
  options: { import?: boolean; lease?: LeaseRequest },
): Promise<{ stored: Set<string>; leased: EventRow[] }> {
  const consenting = await consentingAmong(db, events);
  const reaches = (e: RoutedEvent) =>
    !options.import && mayReachJourney(e) && (!onlyForConsentingCustomers.has(e.type) || consenting.has(e.customerId));
  if (!events.some(reaches)) {
    // Nothing to queue, so no line to keep: a plain insert, as cheap as the table allows.
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO events (id, type, customer_id, occurred_at, properties, dispatched_at)
       SELECT * , now() FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[])
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.customerId), events.map((e) => e.occurredAt), events.map((e) => JSON.stringify(e.properties))],
    );
    return { stored: new Set(rows.map((r) => r.id)), leased: [] };
  }
  const args = [
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.customerId),
    events.map((e) => e.occurredAt),
    events.map((e) => JSON.stringify(e.properties)),
    events.map((e) => dispatchLaneOf(e)),
    events.map(reaches),
  ];
  if (options.lease && options.lease.max > 0) {
    const { rows } = await db.query<{ stored_id: string } & Partial<EventRow>>(
      `SELECT * FROM journeys_enqueue_and_lease($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::smallint[], $7::boolean[], $8, $9)`,
      [...args, options.lease.max, options.lease.seconds],
    );
    return { stored: new Set(rows.map((r) => r.stored_id)), leased: leasedRows(rows) };
  }
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM journeys_enqueue_events($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::smallint[], $7::boolean[]) AS id`,
    args,
  );
  return { stored: new Set(rows.map((r) => r.id)), leased: [] };
}

/**
 * The customers of the batch's consent-only events (views) who are known, have an address and
 * agreed to marketing; one indexed read, and none for a batch without such events. A customer
 * the same batch creates or updates counts as known: their profile is projected after the enqueue,
 * and the relay decides for them as before.
 */
async function consentingAmong(db: Queryable, events: RoutedEvent[]): Promise<Set<string>> {
  const asked = [...new Set(events.filter((e) => onlyForConsentingCustomers.has(e.type)).map((e) => e.customerId))];
  if (asked.length === 0) return new Set();
  const profiled = events.filter((e) => e.type === 'customer.created' || e.type === 'customer.updated').map((e) => e.customerId);
  return new Set([...(await knownConsentingCustomers(db, asked)), ...profiled]);
}

/**
 * Store a batch atomically, before anything else happens to it. A repeated id is a no-op:
 * the event is neither re-projected nor re-dispatched. Events without a projection (carts,
 * views, forms) take one statement and no explicit transaction. An import (history from
 * another system) is projected like any event and stored as dispatched: it reaches no journey.
 */
export async function storeEvents(
  db: Pool,
  incoming: IncomingEvent[],
  now = new Date(),
  options: { import?: boolean } = {},
): Promise<StoredEvent[]> {
  return (await storeAndLease(db, incoming, now, options)).stored;
}

/**
 * `storeEvents`, and with `lease` the heads the enqueue leased for the caller's relay (in the
 * transaction that stores them: they are leased once they are visible). The caller must
 * dispatch them, or leave them to the claim once the lease has run out.
 */
export async function storeAndLease(
  db: Pool,
  incoming: IncomingEvent[],
  now = new Date(),
  options: { import?: boolean; lease?: LeaseRequest } = {},
): Promise<{ stored: StoredEvent[]; leased: EventRow[] }> {
  const events = incoming.map(
    (raw) =>
      ({
        ...raw,
        id: raw.id ?? `evt_${randomUUID()}`,
        occurredAt: raw.occurredAt ? new Date(raw.occurredAt).toISOString() : now.toISOString(),
      }) as ShopEvent,
  );
  const results = (stored: Set<string>) => {
    const seen = new Set<string>();
    return events.map((e) => {
      const duplicate = !stored.has(e.id) || seen.has(e.id);
      seen.add(e.id);
      return { id: e.id, duplicate };
    });
  };
  if (events.length === 1 && isProfileEvent(events[0]) && !options.import && mayReachJourney(events[0])) {
    return storeProfileEvent(db, events[0], options.lease, results);
  }
  if (!events.some((e) => projections[e.type])) {
    const { stored, leased } = await enqueue(db, events, options);
    return { stored: results(stored), leased };
  }
  return withTransaction(db, async (tx) => {
    const { stored, leased } = await enqueue(tx, events, options);
    const outcome = results(stored);
    for (const [i, event] of events.entries()) if (!outcome[i].duplicate) await project(tx, event);
    return { stored: outcome, leased };
  });
}

/** The rows of journeys_enqueue_and_lease that carry a leased head (the others only name an id stored). */
function leasedRows(rows: ({ stored_id: string } & Partial<EventRow>)[]): EventRow[] {
  return rows.filter((r) => r.id != null).map(({ stored_id: _, ...row }) => row as EventRow);
}

const isProfileEvent = (e: ShopEvent): e is ShopEventOf<'customer.created' | 'customer.updated'> =>
  e.type === 'customer.created' || e.type === 'customer.updated';

/**
 * One sign-up or profile update (what the shop posts most, and what a welcome email waits for),
 * as `storeAndLease` stores any batch but in two round trips instead of five: BEGIN, the
 * enqueue and the profile's read in one, the profile's writes and COMMIT in the other. Same
 * statements, same order, same transaction (simple query protocol: literals, db/literal.ts).
 */
async function storeProfileEvent(
  db: Pool,
  event: ShopEventOf<'customer.created' | 'customer.updated'>,
  lease: LeaseRequest | undefined,
  results: (stored: Set<string>) => StoredEvent[],
): Promise<{ stored: StoredEvent[]; leased: EventRow[] }> {
  const args = [
    `${literal([event.id])}`,
    `${literal([event.type])}`,
    `${literal([event.customerId])}`,
    `${literal([event.occurredAt])}::timestamptz[]`,
    `${literal([JSON.stringify(event.properties)])}::jsonb[]`,
    `${literal([String(dispatchLaneOf(event))])}::smallint[]`,
    `ARRAY[true]`,
  ];
  const enqueue =
    lease && lease.max > 0
      ? `SELECT * FROM journeys_enqueue_and_lease(${args.join(', ')}, ${literal(lease.max)}, ${literal(lease.seconds)})`
      : `SELECT id AS stored_id FROM journeys_enqueue_events(${args.join(', ')}) AS id`;
  return withFirstStatements(db, `${enqueue}; ${profileReadSql(event.customerId, event.properties)}`, async (tx) => {
    const [enqueued, profile] = tx.results;
    const rows = enqueued.rows as ({ stored_id: string } & Partial<EventRow>)[];
    const outcome = results(new Set(rows.map((r) => r.stored_id)));
    // A repeated id changes nothing (the read's no-op upsert of an existing row aside).
    await tx.commitWith(outcome[0].duplicate ? '' : profileWritesSql(event.customerId, event.properties, profileConsentOf(event), profile.rows[0]));
    return { stored: outcome, leased: leasedRows(rows) };
  });
}

interface EventRow {
  seq: number;
  id: string;
  type: ShopEvent['type'];
  customer_id: string;
  occurred_at: Date;
  received_at: Date;
  properties: ShopEvent['properties'];
  dispatch_attempts: number;
  /** 0: transactional lane (the relay's claim returns it) */
  lane?: number;
}

export function rowToEvent(row: Omit<EventRow, 'seq' | 'dispatch_attempts' | 'received_at'>): ShopEvent {
  return {
    id: row.id,
    type: row.type,
    customerId: row.customer_id,
    occurredAt: row.occurred_at.toISOString(),
    properties: row.properties,
  } as ShopEvent;
}

export type { EventRow };
