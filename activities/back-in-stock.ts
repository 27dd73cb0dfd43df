import type { Pool } from 'pg';
import type { Duration } from '@temporalio/common';
import { toMs } from '../shared/durations';

export interface BackInStockSubscriber {
  customerId: string;
  /** the subscription's version: settling it later only touches this request */
  requestedAt: string;
}

export interface RestockBatch {
  /** the product's stock when the batch was taken */
  stock: number;
  /** oldest subscriptions first; empty when sold out again or nobody waits */
  subscribers: BackInStockSubscriber[];
}

/**
 * Take the next restock batch for a product: `subscribersPerUnit × stock` of the oldest
 * waiting, unexpired subscriptions, marked 'notifying' in the same statement so a concurrent
 * batch (a second restock, a second API replica) never picks the same people.
 */
export async function claimBackInStockBatch(
  db: Pool,
  request: { productId: string; subscribersPerUnit: number; validFor: Duration },
  now: Date,
): Promise<RestockBatch> {
  const product = await db.query<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [request.productId]);
  const stock = product.rows[0]?.stock ?? 0;
  if (stock <= 0) return { stock: 0, subscribers: [] };
  const oldestValid = new Date(now.getTime() - toMs(request.validFor));
  const { rows } = await db.query<{ customer_id: string; requested_at: Date }>(
    `UPDATE back_in_stock_subscriptions s SET status = 'notifying', updated_at = now()
       FROM (SELECT customer_id, product_id FROM back_in_stock_subscriptions
              WHERE product_id = $1 AND status = 'waiting' AND requested_at > $2
              ORDER BY requested_at, customer_id
              LIMIT $3
              FOR UPDATE SKIP LOCKED) next
      WHERE s.customer_id = next.customer_id AND s.product_id = next.product_id
      RETURNING s.customer_id, s.requested_at`,
    [request.productId, oldestValid, stock * request.subscribersPerUnit],
  );
  const subscribers = rows
    .map((r) => ({ customerId: r.customer_id, requestedAt: r.requested_at.toISOString() }))
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.customerId.localeCompare(b.customerId));
  return { stock, subscribers };
}

export type SubscriptionStatus = 'waiting' | 'notified' | 'expired' | 'cancelled';

/**
 * Record how a subscription ended (or that it waits again, after a restock that sold out
 * before the alert went out). Only the request with this `requestedAt` is touched: a newer
 * request for the same product is a new subscription.
 */
export async function settleBackInStockSubscription(
  db: Pool,
  update: { customerId: string; productId: string; requestedAt: string; status: SubscriptionStatus; reason?: string },
): Promise<void> {
  await db.query(
    `UPDATE back_in_stock_subscriptions SET status = $4, status_reason = $5, updated_at = now()
      WHERE customer_id = $1 AND product_id = $2 AND requested_at = $3`,
    [update.customerId, update.productId, update.requestedAt, update.status, update.reason ?? null],
  );
}
