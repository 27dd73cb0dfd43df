/**
 * A journey held back until its customer was quiet (ingest/held-starts.ts) is due. Not part of
 * the public event contract: the relay puts it into the customer's line when the wait is over
 * (db/migrations/132_held_starts.sql), so it is dispatched after every event of theirs stored
 * before it; dispatching it starts the journey with the events held for it.
 *
 * Types and the constant only: routing and the held starts both read this file.
 */
export const JOURNEY_DUE = 'journey.due';
export interface JourneyDueEvent {
  /** `journey.due:<uuid>` (db/migrations/133_held_starts_repairs.sql): opaque, so it names no customer */
  id: string;
  type: typeof JOURNEY_DUE;
  customerId: string;
  occurredAt: string;
  properties: { journey: string; workflowId: string };
}
