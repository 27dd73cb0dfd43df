/**
 * What an order earned: its total less what was refunded, nothing once cancelled as a whole
 * (order.cancelled / order.refunded, db/migrations/071).
 */
export const NET_ORDER_REVENUE = `(CASE WHEN o.cancelled_at IS NULL THEN greatest(o.total - o.refunded_total, 0) ELSE 0 END)`;

/**
 * Each order in scope credited to at most one sent message, as the CTE `attributed`
 * (id, total — net of refunds, currency, message_id, journey, step, by_coupon). Parameters: $1 since, $2 until,
 * $3 journey (each may be null), $4 attribution window in days.
 * 1. Coupon first: an order that redeemed a code goes to the latest sent message that carried
 *    that code before the order (the code is the evidence; no window).
 * 2. Otherwise last touch: the latest message sent to the customer before the order, within
 *    the window.
 * The stats route, experiment results and the auto-winner all count conversions with it.
 */
export const ATTRIBUTED_ORDERS = `
  by_coupon AS (
    SELECT DISTINCT ON (o.id) o.id, ${NET_ORDER_REVENUE} AS total, o.currency, m.id AS message_id, m.journey, m.step, true AS by_coupon
      FROM orders o
      JOIN coupon_redemptions r ON r.order_id = o.id
      JOIN messages m ON m.coupon_code = r.code AND m.status = 'sent' AND m.sent_at <= o.placed_at
     WHERE ($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
       AND ($3::text IS NULL OR m.journey = $3)
     ORDER BY o.id, m.sent_at DESC),
  by_last_touch AS (
    SELECT DISTINCT ON (o.id) o.id, ${NET_ORDER_REVENUE} AS total, o.currency, m.id AS message_id, m.journey, m.step, false AS by_coupon
      FROM orders o
      JOIN messages m ON m.customer_id = o.customer_id AND m.status = 'sent'
                     AND m.sent_at <= o.placed_at AND o.placed_at < m.sent_at + make_interval(days => $4)
     WHERE ($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
       AND ($3::text IS NULL OR m.journey = $3)
       AND NOT EXISTS (SELECT 1 FROM coupon_redemptions r JOIN messages cm ON cm.coupon_code = r.code AND cm.status = 'sent'
                        WHERE r.order_id = o.id AND cm.sent_at <= o.placed_at)
     ORDER BY o.id, m.sent_at DESC),
  attributed AS (SELECT * FROM by_coupon UNION ALL SELECT * FROM by_last_touch)`;
