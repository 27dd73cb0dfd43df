/**
 * A marketing recipient showed no sign of life for `sunset.after`. Not part of the public event
 * contract: the sunset sweep (activities/sunset.ts) stores it, one per customer and lapse (its
 * id), and the relay delivers it like any event: it starts the customer's sunset journey.
 *
 * Types and the constant only: activities and routing both read this file.
 */
export const CUSTOMER_LAPSED = 'customer.lapsed';
export interface CustomerLapsedEvent {
  /** `customer.lapsed:<HMAC of customer id and lapsedSince, keyed by PSEUDONYM_SECRET>`: one per lapse */
  id: string;
  type: typeof CUSTOMER_LAPSED;
  customerId: string;
  occurredAt: string;
  properties: { lapsedSince: string };
}
