import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { withTransaction } from '../db/transaction';
import type { ShopEvent } from './event-schemas';
import { project } from './projections';

export type IncomingEvent = Omit<ShopEvent, 'id' | 'occurredAt'> & { id?: string; occurredAt?: string };

export interface StoredEvent {
  id: string;
  /** true when this id was stored before: accepted, not applied again */
  duplicate: boolean;
}

/**
 * Store a batch atomically, before anything else happens to it. A repeated id is a no-op:
 * the event is neither re-projected nor re-dispatched.
 */
export async function storeEvents(db: Pool, incoming: IncomingEvent[], now = new Date()): Promise<StoredEvent[]> {
  return withTransaction(db, async (tx) => {
    const results: StoredEvent[] = [];
    for (const raw of incoming) {
      const event = {
        ...raw,
        id: raw.id ?? `evt_${randomUUID()}`,
        occurredAt: raw.occurredAt ? new Date(raw.occurredAt).toISOString() : now.toISOString(),
      } as ShopEvent;
      const inserted = await tx.query(
        `INSERT INTO events (id, type, customer_id, occurred_at, properties)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.type, event.customerId, event.occurredAt, JSON.stringify(event.properties)],
      );
      const duplicate = inserted.rowCount === 0;
      if (!duplicate) await project(tx, event);
      results.push({ id: event.id, duplicate });
    }
    return results;
  });
}

interface EventRow {
  seq: string;
  id: string;
  type: ShopEvent['type'];
  customer_id: string;
  occurred_at: Date;
  properties: ShopEvent['properties'];
  dispatch_attempts: number;
}

export function rowToEvent(row: Omit<EventRow, 'seq' | 'dispatch_attempts'>): ShopEvent {
  return {
    id: row.id,
    type: row.type,
    customerId: row.customer_id,
    occurredAt: row.occurred_at.toISOString(),
    properties: row.properties,
  } as ShopEvent;
}

export type { EventRow };
