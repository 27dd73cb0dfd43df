import { Pool, type PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { literal, type SqlValue } from '../db/literal';
import type { EventType, ShopEvent, ShopEventOf } from './event-schemas';
import { redeemOrderCoupons } from '../activities/coupon-redemptions';
import { ATTRIBUTE_LIMITS, type AttributeValue } from './event-schemas';

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
  /** merged key by key; null removes the key */
  attributes?: Record<string, AttributeValue | null>;
}

type ProfileField = Exclude<keyof ProfileChange, 'marketingConsent' | 'attributes'>;

/**
 * A profile whose merged attributes would exceed the bound: answered 422 (the error handler
 * reads `status` and `code`), and the whole request — a batch too — changes nothing.
 */
export class TooManyAttributesError extends Error {
  readonly status = 422;
  readonly code = 'too_many_attributes';
  constructor(count: number) {
    super(`A customer keeps at most ${ATTRIBUTE_LIMITS.maxCount} attributes; this change would leave ${count}: remove some with null`);
  }
}

/** Profile fields and the customers column each one lives in. */
const PROFILE_COLUMNS: Record<ProfileField, string> = {
  email: 'email',
  firstName: 'first_name',
  timezone: 'timezone',
  locale: 'locale',
  birthday: 'birthday',
};

export interface StoredProfile {
  erased_at: Date | null;
  marketing_consent: boolean;
  unsubscribed_at: Date | null;
  resubscribed_at: Date | null;
  shop_consent: boolean | null;
  shop_consent_at: Date | null;
  /** when each field (and each attribute, as "attributes.<key>") last changed */
  profile_at: Partial<Record<string, string>>;
  attributes: Record<string, AttributeValue>;
  email: string | null;
  address_unsubscribed_at: Date | null;
}

/**
 * Create or update a customer's profile. Omitted fields keep their value; every field and the
 * consent apply last-writer-wins by when they occurred, so a late or replayed event never
 * reverts a newer value.
 *
 * Consent: the shop's stated value is recorded apart from our effective consent. A statement
 * older than the shop's last one is ignored. `false` withdraws consent (unless our re-subscribe
 * link was used after it occurred). `true` gives consent — but after an unsubscribe through
 * our link (of this customer or of its address) only when it is a *change* of the shop's value
 * that occurred after the unsubscribe: a sync repeating the shop's earlier `true` never
 * re-subscribes. A consent change records where it came from and when.
 *
 * An erased customer (DELETE /v1/customers/:id) starts fresh on a profile that occurred after
 * the erasure — consent only as that profile gives it; anything older is ignored.
 */
export async function upsertCustomerProfile(
  db: Pool | PoolClient,
  customerId: string,
  p: ProfileChange,
  consent: { source: string; at: string },
): Promise<void> {
  if (db instanceof Pool) {
    await withTransaction(db, (tx) => upsertCustomerProfile(tx, customerId, p, consent));
    return;
  }
  const { rows } = await db.query<StoredProfile>(PROFILE_READ, [customerId, p.email ?? null]);
  for (const write of profileWrites(customerId, p, consent, rows[0])) await db.query(write.sql, write.values);
}

/**
 * The customer's row, created when new and locked either way (the no-op update takes the row
 * lock, as FOR UPDATE would), with what it held, in one statement: $1 the customer, $2 the
 * profile's email (null: none given).
 */
const PROFILE_READ = `WITH c AS (
       INSERT INTO customers (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
       RETURNING erased_at, marketing_consent, unsubscribed_at, resubscribed_at, shop_consent, shop_consent_at, profile_at, attributes, email
     )
     SELECT c.*, a.unsubscribed_at AS address_unsubscribed_at
       FROM c LEFT JOIN address_unsubscribes a ON a.email = lower(coalesce($2, c.email))`;

/**
 * `upsertCustomerProfile` in two round trips for a caller that opens the transaction itself:
 * `read` goes with BEGIN (and whatever else precedes it) in one simple-protocol query, the
 * writes `profileWritesSql` returns go with COMMIT in another. Literals only (db/literal.ts).
 */
export function profileReadSql(customerId: string, p: ProfileChange): string {
  return PROFILE_READ.replace('$1', () => literal(customerId)).replace('$2', () => `${literal(p.email ?? null)}::text`);
}

/** The statements that apply `p` over what `profileReadSql` read, with literals ('' for none), for `commitWith`. */
export function profileWritesSql(customerId: string, p: ProfileChange, consent: { source: string; at: string }, stored: StoredProfile): string {
  return profileWrites(customerId, p, consent, stored)
    .map((w) => w.sql.replace(/\$(\d+)/g, (_, n: string) => literal(w.values[Number(n) - 1] as SqlValue)))
    .join('; ');
}

/** What applying `p` over the stored row writes (parameterised statements, in order). */
function profileWrites(
  customerId: string,
  p: ProfileChange,
  consent: { source: string; at: string },
  stored: StoredProfile,
): { sql: string; values: unknown[] }[] {
  const at = new Date(consent.at);
  if (stored.erased_at && at <= stored.erased_at) return [];
  // Erasure emptied the row; a profile after it starts from nothing.
  const versions = stored.erased_at ? {} : { ...stored.profile_at };

  const sets: string[] = [];
  const values: unknown[] = [customerId];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  for (const [field, column] of Object.entries(PROFILE_COLUMNS) as [ProfileField, string][]) {
    const value = p[field];
    if (value === undefined) continue;
    const current = versions[field];
    if (current && at < new Date(current)) continue;
    versions[field] = at.toISOString();
    set(column, field === 'email' ? value.toLowerCase() : value);
  }

  if (p.attributes) {
    const attributes: Record<string, AttributeValue> = stored.erased_at ? {} : { ...stored.attributes };
    let changed = false;
    for (const [key, value] of Object.entries(p.attributes)) {
      const version = `attributes.${key}`;
      const current = versions[version];
      if (current && at < new Date(current)) continue;
      versions[version] = at.toISOString();
      if (value === null) delete attributes[key];
      else attributes[key] = value;
      changed = true;
    }
    const count = Object.keys(attributes).length;
    if (count > ATTRIBUTE_LIMITS.maxCount) throw new TooManyAttributesError(count);
    if (changed) set('attributes', JSON.stringify(attributes));
  }

  let clearAddressUnsubscribe = false;
  if (p.marketingConsent !== undefined && (!stored.shop_consent_at || at >= stored.shop_consent_at || stored.erased_at)) {
    const previous = stored.erased_at ? null : stored.shop_consent;
    set('shop_consent', p.marketingConsent);
    set('shop_consent_at', at);
    const unsubscribedAt = latest(stored.unsubscribed_at, stored.address_unsubscribed_at);
    let effective = stored.erased_at ? false : stored.marketing_consent;
    if (!p.marketingConsent) {
      if (!stored.resubscribed_at || at >= stored.resubscribed_at) effective = false;
    } else if (!unsubscribedAt) {
      effective = true;
    } else if (previous !== true && at > unsubscribedAt) {
      effective = true;
      set('unsubscribed_at', null);
      // A re-subscribe brings back a customer a sunset marked unengaged.
      set('unengaged_at', null);
      clearAddressUnsubscribe = stored.address_unsubscribed_at !== null;
    }
    if (effective !== (stored.erased_at ? null : stored.marketing_consent)) {
      set('marketing_consent', effective);
      set('consent_source', consent.source);
      set('consent_at', at);
    }
  }
  set('profile_at', JSON.stringify(versions));
  const writes = [{ sql: `UPDATE customers SET ${sets.join(', ')}, erased_at = NULL, updated_at = now() WHERE id = $1`, values }];
  if (clearAddressUnsubscribe) {
    writes.push({ sql: 'DELETE FROM address_unsubscribes WHERE email = lower($1) AND unsubscribed_at < $2', values: [p.email ?? stored.email, at] });
  }
  return writes;
}


function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

/** Where a profile event's consent comes from, and when it occurred. */
export const profileConsentOf = (event: ShopEventOf<'customer.created' | 'customer.updated'>) => ({
  source: `event:${event.type}:${event.id}`,
  at: event.occurredAt,
});

const upsertProfile = (tx: PoolClient, event: ShopEventOf<'customer.created' | 'customer.updated'>) =>
  upsertCustomerProfile(tx, event.customerId, event.properties, profileConsentOf(event));

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
    await redeemOrderCoupons(tx, { orderId: p.orderId, customerId: event.customerId, placedAt: event.occurredAt, couponCodes: p.couponCodes });
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
  'order.cancelled': (tx, event) => recordOrderChange(tx, event),
  'order.refunded': (tx, event) => recordOrderChange(tx, event),
  'order.returned': (tx, event) => recordOrderChange(tx, event),
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

/**
 * One row per change event; the order's cancelled_at and refunded_total follow (once per event
 * id: a repeated event inserts nothing and adds nothing).
 */
async function recordOrderChange(tx: PoolClient, event: ShopEventOf<'order.cancelled' | 'order.refunded' | 'order.returned'>) {
  const p = event.properties;
  const kind = event.type.slice('order.'.length);
  const refund = event.type === 'order.refunded' ? (p as ShopEventOf<'order.refunded'>['properties']) : undefined;
  const inserted = await tx.query(
    `INSERT INTO order_changes (event_id, order_id, kind, amount, currency, items, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING`,
    [event.id, p.orderId, kind, refund?.amount ?? null, refund?.currency ?? null, p.items ? JSON.stringify(p.items) : null, event.occurredAt],
  );
  if (!inserted.rowCount) return;
  if (refund) await tx.query('UPDATE orders SET refunded_total = refunded_total + $2 WHERE id = $1', [p.orderId, refund.amount]);
  if (event.type === 'order.cancelled' && !p.items) {
    await tx.query('UPDATE orders SET cancelled_at = coalesce(cancelled_at, $2) WHERE id = $1', [p.orderId, event.occurredAt]);
  }
}

export async function project(tx: PoolClient, event: ShopEvent): Promise<void> {
  const projection = projections[event.type] as Projection<EventType> | undefined;
  if (projection) await projection(tx, event as never);
}
