/**
 * Engagement events: a recipient opened or clicked one of our emails. Not part of the shop's
 * event contract (POST /v1/events does not take them): the tracking routes and the Resend
 * webhook store them in the event store, in the transaction that records the open or click,
 * and the relay delivers them like shop events — in the customer's order, deduplicated by id —
 * to the journey that sent the message (see `routesFor`). Only the first human open and the
 * first human click of a message become an event; machine opens and clicks never do.
 *
 * Types only (and constants): workflows import this file's types.
 */
export const EMAIL_OPENED = 'email.opened';
export const EMAIL_CLICKED = 'email.clicked';
export const engagementEventTypes = [EMAIL_OPENED, EMAIL_CLICKED] as const;
export type EngagementEventType = (typeof engagementEventTypes)[number];

export interface EngagementEvent {
  /** `email.opened:<messageId>`: one per message and kind */
  id: string;
  type: EngagementEventType;
  customerId: string;
  occurredAt: string;
  properties: {
    messageId: number;
    /** the workflow that sent the message: the one the event reaches */
    workflowId: string;
    journey: string;
    step: string;
  };
}

export function isEngagementEvent(event: { type: string }): event is EngagementEvent {
  return event.type === EMAIL_OPENED || event.type === EMAIL_CLICKED;
}
