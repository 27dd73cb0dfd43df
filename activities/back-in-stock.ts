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
 * At most this many subscribers per claim: the coordinator signals one claim's subscribers in
 * one workflow task, and Temporal refuses a task with thousands of signals (a 700-unit restock
 * with 2,500 waiting would be 2,100). A larger batch is claimed in several parts.
 */
export const MAX_SUBSCRIBERS_PER_CLAIM = 200;

/**
 * A 'notifying' row the subscriber's journey never settled (its alert is long done or its
 * journey died) returns to the queue after this long.
 */
export const NOTIFYING_TIMEOUT_MS = 6 * 60 * 60 * 1000;

export interface ClaimRequest {
  productId: string;
  subscribersPerUnit: number;
  validFor: Duration;
  /**
   * Names the coordinator's batch (and part): the same id again returns what it claimed
   * before. Omitted only by coordinators that started before claims had ids.
   */
  claimId?: string;
  /** at most this many (further bounded by MAX_SUBSCRIBERS_PER_CLAIM); default subscribersPerUnit × stock */
  limit?: number;
}

/**
 * Take the next restock batch for a product: up to `subscribersPerUnit × stock` (and
 * MAX_SUBSCRIBERS_PER_CLAIM) of the oldest waiting, unexpired subscriptions, marked
 * 'notifying' in the same statement so a concurrent batch (a second restock, a second API
 * replica) never picks the same people. Idempotent by `claimId`.
 */
export async function claimBackInStockBatch(db: Pool, request: ClaimRequest, now: Date): Promise<RestockBatch> {
  const product = await db.query<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [request.productId]);
  const stock = Math.max(0, product.rows[0]?.stock ?? 0);
  const oldestValid = new Date(now.getTime() - toMs(request.validFor));
  const limit = Math.max(0, Math.min(request.limit ?? Infinity, stock * request.subscribersPerUnit, MAX_SUBSCRIBERS_PER_CLAIM));
  const { rows } = await db.query<{ customer_id: string; requested_at: Date }>(
    `WITH before AS (
       SELECT customer_id, requested_at, status FROM back_in_stock_subscriptions
        WHERE product_id = $1 AND $4::text IS NOT NULL AND claim_id = $4),
     next AS (
       SELECT customer_id, product_id FROM back_in_stock_subscriptions
        WHERE product_id = $1 AND requested_at > $2 AND NOT EXISTS (SELECT 1 FROM before)
          AND ((status = 'waiting' AND (retry_at IS NULL OR retry_at <= $5))
               OR (status = 'notifying' AND claimed_at < $6))
        ORDER BY requested_at, customer_id
        LIMIT $3
        FOR UPDATE SKIP LOCKED),
     claimed AS (
       UPDATE back_in_stock_subscriptions s
          SET status = 'notifying', claim_id = $4, claimed_at = $5, retry_at = NULL, updated_at = now()
         FROM next WHERE s.customer_id = next.customer_id AND s.product_id = next.product_id
       RETURNING s.customer_id, s.requested_at)
     SELECT customer_id, requested_at FROM before WHERE status = 'notifying'
     UNION ALL SELECT customer_id, requested_at FROM claimed`,
    [request.productId, oldestValid, limit, request.claimId ?? null, now, new Date(now.getTime() - NOTIFYING_TIMEOUT_MS)],
  );
  const subscribers = rows
    .map((r) => ({ customerId: r.customer_id, requestedAt: r.requested_at.toISOString() }))
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.customerId.localeCompare(b.customerId));
  return { stock, subscribers };
}

/** Batches that may find a subscriber's journey not running before it counts as gone. */
export const MAX_REQUEUES = 3;

/**
 * Subscribers whose journey was not running when their batch was told — the request and the
 * restock raced, and the relay has not started the journey yet. They go back to the queue,
 * still waiting (never expired for the race), and are tried again after `retryAfter`. Only a
 * journey still not running after MAX_REQUEUES batches is taken as gone (an erased customer):
 * that subscription expires.
 */
export async function requeueBackInStockSubscribers(
  db: Pool,
  request: { productId: string; subscribers: BackInStockSubscriber[]; retryAfter: Duration },
  now: Date,
): Promise<void> {
  if (request.subscribers.length === 0) return;
  await db.query(
    `UPDATE back_in_stock_subscriptions s
        SET status = CASE WHEN s.requeues + 1 >= $5 THEN 'expired' ELSE 'waiting' END,
            status_reason = CASE WHEN s.requeues + 1 >= $5 THEN 'journey_gone' ELSE 'journey_not_running' END,
            requeues = s.requeues + 1, retry_at = $4, claim_id = NULL, updated_at = now()
       FROM unnest($2::text[], $3::timestamptz[]) AS r(customer_id, requested_at)
      WHERE s.product_id = $1 AND s.customer_id = r.customer_id AND s.requested_at = r.requested_at
        AND s.status = 'notifying'`,
    [
      request.productId,
      request.subscribers.map((x) => x.customerId),
      request.subscribers.map((x) => x.requestedAt),
      new Date(now.getTime() + toMs(request.retryAfter)),
      MAX_REQUEUES,
    ],
  );
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
    `UPDATE back_in_stock_subscriptions SET status = $4, status_reason = $5, claim_id = NULL, updated_at = now()
      WHERE customer_id = $1 AND product_id = $2 AND requested_at = $3`,
    [update.customerId, update.productId, update.requestedAt, update.status, update.reason ?? null],
  );
}

/**
 * A request that came while the previous alert was being settled (the projection saw the row
 * 'notifying' and left it): the journey that heard of it makes it a subscription again, with
 * its own queue position.
 */
export async function renewBackInStockSubscription(
  db: Pool,
  request: { customerId: string; productId: string; requestedAt: string },
): Promise<void> {
  await db.query(
    `UPDATE back_in_stock_subscriptions
        SET requested_at = $3, status = 'waiting', status_reason = NULL, claim_id = NULL, claimed_at = NULL,
            retry_at = NULL, requeues = 0, updated_at = now()
      WHERE customer_id = $1 AND product_id = $2 AND status NOT IN ('waiting', 'notifying') AND requested_at < $3`,
    [request.customerId, request.productId, request.requestedAt],
  );
}
