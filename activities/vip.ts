import type { Pool } from 'pg';

export interface VipStanding {
  /** orders not cancelled and not fully refunded */
  orderCount: number;
  /** sum of order totals net of refunds (cancelled orders count nothing); the shop is assumed to sell in one currency */
  lifetimeRevenue: number;
  currency: string | null;
  /** when a VIP invitation already went out (from any run of the journey), else null */
  invitedAt: string | null;
}

/**
 * The customer's standing from the orders table (the order.placed projection inserts each
 * order before the event reaches a journey, so the order that triggered the check counts).
 */
export async function vipStanding(db: Pool, input: { customerId: string }): Promise<VipStanding> {
  const [orders, invited] = await Promise.all([
    db.query<{ order_count: string; revenue: string | null; currency: string | null }>(
      // Net: a cancelled or fully refunded order is no order, and refunds come off the revenue.
      `SELECT count(*) FILTER (WHERE cancelled_at IS NULL AND (refunded_total < total OR total = 0)) AS order_count,
              sum(CASE WHEN cancelled_at IS NULL THEN greatest(total - refunded_total, 0) ELSE 0 END) AS revenue,
              (SELECT currency FROM orders WHERE customer_id = $1 GROUP BY currency ORDER BY count(*) DESC LIMIT 1) AS currency
         FROM orders WHERE customer_id = $1`,
      [input.customerId],
    ),
    db.query<{ sent_at: Date | null; created_at: Date }>(
      `SELECT sent_at, created_at FROM messages
        WHERE customer_id = $1 AND journey = 'vip' AND step = 'vip-invitation' AND status IN ('sent', 'pending')
        ORDER BY created_at LIMIT 1`,
      [input.customerId],
    ),
  ]);
  const row = orders.rows[0];
  const invitation = invited.rows[0];
  return {
    orderCount: Number(row.order_count),
    lifetimeRevenue: Number(row.revenue ?? 0),
    currency: row.currency,
    invitedAt: invitation ? (invitation.sent_at ?? invitation.created_at).toISOString() : null,
  };
}
