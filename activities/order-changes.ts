import type { Pool } from 'pg';

/**
 * Cancellations, refunds and returns as the order_changes table holds them (projected from
 * order.cancelled / order.refunded / order.returned before any journey hears of the event).
 */
export interface OrderGone {
  /** nothing of the order is kept: cancelled or returned as a whole, or refunded in full */
  whole: boolean;
  /** products cancelled, refunded or returned (each at least in part) */
  productIds: string[];
}

/** What of the order the customer no longer has: no review request or cross-sell for it. */
export async function orderGone(db: Pool, orderId: string): Promise<OrderGone> {
  const { rows } = await db.query<{ kind: string; items: { productId: string; quantity: number }[] | null; total: string; refunded_total: string; cancelled_at: Date | null }>(
    `SELECT c.kind, c.items, o.total, o.refunded_total, o.cancelled_at
       FROM order_changes c JOIN orders o ON o.id = c.order_id WHERE c.order_id = $1`,
    [orderId],
  );
  if (rows.length === 0) return { whole: false, productIds: [] };
  const fullyRefunded = Number(rows[0].refunded_total) >= Number(rows[0].total) && Number(rows[0].total) > 0;
  const wholeChange = rows.some((r) => r.items === null && r.kind !== 'refunded');
  const productIds = [...new Set(rows.flatMap((r) => (r.items ?? []).map((i) => i.productId)))];
  return { whole: fullyRefunded || wholeChange || rows[0].cancelled_at !== null, productIds };
}

/** The titles of a change's products, as the order listed them (the whole order when none are named). */
export async function orderChangeItems(
  db: Pool,
  input: { orderId: string; items?: { productId: string; quantity: number }[] },
): Promise<{ title: string; quantity: number }[]> {
  const { rows } = await db.query<{ items: { productId: string; title: string; quantity: number }[] }>('SELECT items FROM orders WHERE id = $1', [
    input.orderId,
  ]);
  const ordered = rows[0]?.items ?? [];
  if (!input.items) return ordered.map(({ title, quantity }) => ({ title, quantity }));
  return input.items.map((item) => ({ title: ordered.find((o) => o.productId === item.productId)?.title ?? item.productId, quantity: item.quantity }));
}

export function createOrderChangeActivities(deps: { db: Pool }) {
  return {
    orderChangeItems: (input: Parameters<typeof orderChangeItems>[1]) => orderChangeItems(deps.db, input),
  };
}
