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
 * Create or update a customer's profile; omitted fields keep their value. A consent change
 * records where it came from and when (an unchanged consent keeps its original record).
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
       marketing_consent = coalesce($7, c.marketing_consent),
       consent_source = CASE WHEN $7 IS NULL OR $7 = c.marketing_consent THEN c.consent_source ELSE $8 END,
       consent_at = CASE WHEN $7 IS NULL OR $7 = c.marketing_consent THEN c.consent_at ELSE $9::timestamptz END,
       updated_at = now()`,
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
};

export async function project(tx: PoolClient, event: ShopEvent): Promise<void> {
  const projection = projections[event.type] as Projection<EventType> | undefined;
  if (projection) await projection(tx, event as never);
}
