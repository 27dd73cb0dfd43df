import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';

/**
 * Engagement as win-back and sunset understand it: an open or click of any email, or an
 * order, since a point in time. Opens and clicks are written to `messages` by the webhook and
 * tracking routes; orders by the order.placed projection.
 */
export interface Engagement {
  /** the latest engagement since `since`, or null when the customer showed no sign of life */
  engagedAt: string | null;
  how: 'opened' | 'clicked' | 'ordered' | null;
}

const LAST_ENGAGEMENT = `
  SELECT at, how FROM (
    SELECT opened_at AS at, 'opened' AS how FROM messages WHERE customer_id = $1 AND opened_at >= $2
    UNION ALL
    SELECT clicked_at, 'clicked' FROM messages WHERE customer_id = $1 AND clicked_at >= $2
    UNION ALL
    SELECT placed_at, 'ordered' FROM orders WHERE customer_id = $1 AND placed_at >= $2
  ) AS signs ORDER BY at DESC LIMIT 1`;

async function lastEngagement(db: Pool | PoolClient, customerId: string, since: string): Promise<Engagement> {
  const { rows } = await db.query<{ at: Date; how: Engagement['how'] }>(LAST_ENGAGEMENT, [customerId, since]);
  const row = rows[0];
  return row ? { engagedAt: row.at.toISOString(), how: row.how } : { engagedAt: null, how: null };
}

export function customerEngagement(db: Pool, input: { customerId: string; since: string }): Promise<Engagement> {
  return lastEngagement(db, input.customerId, input.since);
}

/**
 * The sunset: mark the customer unengaged (the guardrails then skip all their marketing)
 * unless they engaged since `since`. Check and mark are one transaction holding the
 * customer's row lock, and the order.placed projection clears the mark under the same lock,
 * so an order that races the sunset always wins.
 */
export async function sunsetIfUnengaged(
  db: Pool,
  now: Date,
  input: { customerId: string; since: string },
): Promise<Engagement & { sunset: boolean }> {
  return withTransaction(db, async (tx) => {
    const customer = await tx.query('SELECT 1 FROM customers WHERE id = $1 AND erased_at IS NULL FOR UPDATE', [
      input.customerId,
    ]);
    const engagement = await lastEngagement(tx, input.customerId, input.since);
    let sunset = false;
    if (customer.rowCount && !engagement.engagedAt) {
      await tx.query(
        `UPDATE customers SET unengaged_at = coalesce(unengaged_at, $2), updated_at = $2 WHERE id = $1`,
        [input.customerId, now],
      );
      sunset = true;
    }
    return { ...engagement, sunset };
  });
}
