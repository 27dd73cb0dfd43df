import type { PoolClient } from 'pg';
import type { EventType, ShopEvent, ShopEventOf } from './event-schemas';

/**
 * What an event changes in Postgres, applied in the same transaction that stores it, so the
 * API reads its own writes (GET /v1/customers right after customer.created) and the send
 * path sees the profile and consent before any journey runs.
 */
type Projection<T extends EventType> = (tx: PoolClient, event: ShopEventOf<T>) => Promise<void>;

export interface ProfileChange {
  email?: string;
  firstName?: string;
  timezone?: string;
  locale?: string;
  birthday?: string;
  marketingConsent?: boolean;
}

/**
 * Guardrails (issue 5): a consent given *after* an unsubscribe is a new opt-in and
 * re-subscribes (recorded as a consent change); a consent that occurred before the unsubscribe
 * (a late or replayed event, a profile sync echoing old state) does not override it.
 */
const CONSENT_APPLIES = `($7 IS NOT NULL AND NOT ($7 AND c.unsubscribed_at IS NOT NULL AND $9::timestamptz <= c.unsubscribed_at))`;

/**
 * Create or update a customer's profile; omitted fields keep their value. A consent change
 * records where it came from and when (an unchanged consent keeps its original record).
 * An erased customer (DELETE /v1/customers/:id) starts fresh on a profile that occurred after
 * the erasure — consent only as that profile gives it; anything older is ignored.
 */
export async function upsertCustomerProfile(
  db: Pick<PoolClient, 'query'>,
  customerId: string,
  p: ProfileChange,
  consent: { source: string; at: string },
): Promise<void> {
  await db.query(
    `INSERT INTO customers AS c (id, email, first_name, timezone, locale, birthday, marketing_consent, consent_source, consent_at)
     VALUES ($1, lower($2), $3, $4, $5, $6, coalesce($7, false), CASE WHEN $7 IS NULL THEN NULL ELSE $8 END,
             CASE WHEN $7 IS NULL THEN NULL ELSE $9::timestamptz END)
     ON CONFLICT (id) DO UPDATE SET
       email = coalesce(lower($2), c.email),
       first_name = coalesce($3, c.first_name),
       timezone = coalesce($4, c.timezone),
       locale = coalesce($5, c.locale),
       birthday = coalesce($6, c.birthday),
       marketing_consent = CASE WHEN ${CONSENT_APPLIES} THEN $7 ELSE c.marketing_consent END,
       consent_source = CASE WHEN ${CONSENT_APPLIES} AND $7 <> c.marketing_consent THEN $8 ELSE c.consent_source END,
       consent_at = CASE WHEN ${CONSENT_APPLIES} AND $7 <> c.marketing_consent THEN $9::timestamptz ELSE c.consent_at END,
       unsubscribed_at = CASE WHEN ${CONSENT_APPLIES} AND $7 THEN NULL ELSE c.unsubscribed_at END,
       erased_at = NULL,
       updated_at = now()
     WHERE c.erased_at IS NULL OR $9::timestamptz > c.erased_at`,
    [
      customerId,
      p.email ?? null,
      p.firstName ?? null,
      p.timezone ?? null,
      p.locale ?? null,
      p.birthday ?? null,
      p.marketingConsent ?? null,
      consent.source,
      consent.at,
    ],
  );
}

const upsertProfile = (tx: PoolClient, event: ShopEventOf<'customer.created' | 'customer.updated'>) =>
  upsertCustomerProfile(tx, event.customerId, event.properties, {
    source: `event:${event.type}:${event.id}`,
    at: event.occurredAt,
  });

export const projections: { [T in EventType]?: Projection<T> } = {
  'customer.created': upsertProfile,
  'customer.updated': upsertProfile,
  'order.placed': async (tx, event) => {
    const p = event.properties;
    await tx.query(
      `INSERT INTO orders (id, customer_id, total, currency, items, placed_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [p.orderId, event.customerId, p.total, p.currency, JSON.stringify(p.items), event.occurredAt],
    );
    // A purchase is engagement: it lifts a win-back sunset before any journey hears of the order.
    await tx.query(
      'UPDATE customers SET unengaged_at = NULL, updated_at = now() WHERE id = $1 AND unengaged_at IS NOT NULL',
      [event.customerId],
    );
  },
  'order.shipped': async (tx, event) => {
    const p = event.properties;
    await tx.query(
      `UPDATE orders SET shipped_at = $2, carrier = coalesce($3, carrier), tracking_number = coalesce($4, tracking_number),
              tracking_url = coalesce($5, tracking_url) WHERE id = $1`,
      [p.orderId, event.occurredAt, p.carrier ?? null, p.trackingNumber ?? null, p.trackingUrl ?? null],
    );
  },
  'order.delivered': async (tx, event) => {
    await tx.query('UPDATE orders SET delivered_at = $2 WHERE id = $1', [event.properties.orderId, event.occurredAt]);
  },
  // A request while subscribed keeps the queue position; one after an alert or expiry is a new subscription.
  'back_in_stock.requested': async (tx, event) => {
    await tx.query(
      `INSERT INTO back_in_stock_subscriptions AS s (customer_id, product_id, requested_at) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, product_id) DO UPDATE
         SET requested_at = EXCLUDED.requested_at, status = 'waiting', status_reason = NULL, updated_at = now()
         WHERE s.status NOT IN ('waiting', 'notifying')`,
      [event.customerId, event.properties.productId, event.occurredAt],
    );
  },
};

export async function project(tx: PoolClient, event: ShopEvent): Promise<void> {
  const projection = projections[event.type] as Projection<EventType> | undefined;
  if (projection) await projection(tx, event as never);
}
