import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';

/**
 * Coupons the shop's checkout can use: check a code (valid, or why not) and redeem it for an
 * order. The codes are the ones the send path issued (activities/coupons.ts): personal, so
 * only the customer they were issued to may redeem them.
 *
 * A redemption is keyed by (code, order id): the checkout may retry, and order.placed may
 * repeat what the checkout already did, and the code is used once. Every decision holds the
 * coupon's row lock, so two checkouts racing for the last use of a code cannot both win.
 */
export type CouponRefusal = 'not_found' | 'expired' | 'used_up' | 'not_for_customer';

export interface CouponState {
  code: string;
  /** whether the code can be redeemed now (by `customerId`, when the check names one) */
  valid: boolean;
  /** why not; null when valid */
  reason: Exclude<CouponRefusal, 'not_found'> | null;
  percentOff: number;
  expiresAt: string;
  issuedAt: string;
  customerId: string;
  journey: string;
  maxRedemptions: number;
  redemptions: { orderId: string; redeemedAt: string }[];
}

export type RedeemOutcome =
  | { status: 'redeemed' | 'already_redeemed'; coupon: CouponState; redemption: { orderId: string; redeemedAt: string } }
  | { status: 'refused'; reason: CouponRefusal; coupon?: CouponState };

interface CouponRow {
  code: string;
  customer_id: string;
  journey: string;
  percent_off: number;
  expires_at: Date;
  created_at: Date;
  max_redemptions: number;
}

/** Codes are printed upper case; a customer types them however they like. */
export function normaliseCouponCode(code: string): string {
  return code.trim().toUpperCase();
}

type Queryable = Pick<PoolClient, 'query'>;

async function couponState(
  db: Queryable,
  row: CouponRow,
  at: Date,
  customerId?: string,
): Promise<CouponState> {
  const maxRedemptions = row.max_redemptions;
  const { rows } = await db.query<{ order_id: string; redeemed_at: Date }>(
    'SELECT order_id, redeemed_at FROM coupon_redemptions WHERE code = $1 ORDER BY redeemed_at, order_id',
    [row.code],
  );
  const reason: CouponState['reason'] =
    customerId !== undefined && customerId !== row.customer_id
      ? 'not_for_customer'
      : row.expires_at <= at
        ? 'expired'
        : rows.length >= maxRedemptions
          ? 'used_up'
          : null;
  return {
    code: row.code,
    valid: reason === null,
    reason,
    percentOff: row.percent_off,
    expiresAt: row.expires_at.toISOString(),
    issuedAt: row.created_at.toISOString(),
    customerId: row.customer_id,
    journey: row.journey,
    maxRedemptions,
    redemptions: rows.map((r) => ({ orderId: r.order_id, redeemedAt: r.redeemed_at.toISOString() })),
  };
}

const COUPON_COLUMNS = 'code, customer_id, journey, percent_off, expires_at, created_at, max_redemptions';

/** The code as the checkout should see it now; undefined for a code we never issued. */
export async function checkCoupon(
  db: Queryable,
  code: string,
  options: { now: Date; customerId?: string },
): Promise<CouponState | undefined> {
  const { rows } = await db.query<CouponRow>(`SELECT ${COUPON_COLUMNS} FROM coupons WHERE code = $1`, [normaliseCouponCode(code)]);
  return rows[0] && couponState(db, rows[0], options.now, options.customerId);
}

export interface RedemptionRequest {
  code: string;
  orderId: string;
  /** who is checking out: only the coupon's owner may redeem it */
  customerId: string;
  /** when the order was placed (expiry is judged at this time) */
  at: Date;
  source: 'api' | 'order.placed';
}

/**
 * Redeem inside the caller's transaction (the order.placed projection) or, given a pool, in a
 * transaction of its own. A repeat for the same order answers `already_redeemed` with the first
 * redemption, whatever happened to the code since (it may have expired meanwhile).
 */
export async function redeemCoupon(db: Pool | PoolClient, request: RedemptionRequest): Promise<RedeemOutcome> {
  if (!('release' in db)) return withTransaction(db as Pool, (tx) => redeemCoupon(tx, request));
  const code = normaliseCouponCode(request.code);
  const { rows } = await db.query<CouponRow>(`SELECT ${COUPON_COLUMNS} FROM coupons WHERE code = $1 FOR UPDATE`, [code]);
  const row = rows[0];
  if (!row) return { status: 'refused', reason: 'not_found' };
  const before = await couponState(db, row, request.at, request.customerId);
  const earlier = before.redemptions.find((r) => r.orderId === request.orderId);
  if (earlier && before.reason !== 'not_for_customer') return { status: 'already_redeemed', coupon: before, redemption: earlier };
  if (before.reason) return { status: 'refused', reason: before.reason, coupon: before };
  await db.query('INSERT INTO coupon_redemptions (code, order_id, redeemed_at, source) VALUES ($1, $2, $3, $4)', [
    code,
    request.orderId,
    request.at,
    request.source,
  ]);
  // The first redemption's time, kept on the coupon as before (it was never set until now).
  await db.query('UPDATE coupons SET redeemed_at = coalesce(redeemed_at, $2) WHERE code = $1', [code, request.at]);
  const redemption = { orderId: request.orderId, redeemedAt: request.at.toISOString() };
  const coupon = await couponState(db, row, request.at, request.customerId);
  return { status: 'redeemed', coupon, redemption };
}

/**
 * order.placed with couponCodes: each code is redeemed for the order, in the transaction that
 * stores the event. The order happened whatever we think of the code, so a refusal (expired,
 * someone else's, used up, not ours) is recorded on the order and nothing else: the event is
 * still accepted. A code the checkout already redeemed for this order is not counted twice.
 */
export async function redeemOrderCoupons(
  tx: PoolClient,
  order: { orderId: string; customerId: string; placedAt: string; couponCodes?: string[] },
): Promise<void> {
  const codes = [...new Set((order.couponCodes ?? []).map(normaliseCouponCode))];
  if (!codes.length) return;
  // A repeated order.placed (another event id) adds its codes; none is listed twice.
  await tx.query(
    `UPDATE orders SET coupon_codes = coupon_codes || ARRAY(SELECT c FROM unnest($2::text[]) AS c WHERE c <> ALL (coupon_codes)) WHERE id = $1`,
    [order.orderId, codes],
  );
  for (const code of codes) {
    await redeemCoupon(tx, { code, orderId: order.orderId, customerId: order.customerId, at: new Date(order.placedAt), source: 'order.placed' });
  }
}
