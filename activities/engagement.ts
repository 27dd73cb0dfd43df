import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';

/**
 * The one definition of "engaged", shared by win-back's sunset and the sunset journey for every
 * marketing recipient (and its sweep, which finds lapsed recipients in bulk): a customer shows a
 * sign of life by
 *   - a human open of any of our emails (machine opens — Apple's prefetch, scanners — are kept
 *     apart in machine_opened_at and never count: ingest/machine-engagement.ts),
 *   - a human click of any of our emails (the sunset email's "yes, keep me" button is one),
 *   - an order,
 *   - a re-subscribe through our link.
 * Each sign is one branch of ENGAGEMENT_SIGNS; both the per-customer read and the sweep's bulk
 * read are built from it, so they cannot disagree (test/activities/engagement.test.ts).
 */
export type EngagementSign = 'opened' | 'clicked' | 'ordered' | 'resubscribed';

export interface Engagement {
  /** the latest engagement since `since`, or null when the customer showed no sign of life */
  engagedAt: string | null;
  how: EngagementSign | null;
}

/**
 * Every sign of life of `$customer` (a parameter or a column of an outer query), as rows
 * (at, how). Each branch is an index range scan on the customer.
 */
export function engagementSigns(customer: string): string {
  return `
    SELECT opened_at AS at, 'opened' AS how FROM messages WHERE customer_id = ${customer} AND opened_at IS NOT NULL
    UNION ALL
    SELECT clicked_at, 'clicked' FROM messages WHERE customer_id = ${customer} AND clicked_at IS NOT NULL
    UNION ALL
    SELECT placed_at, 'ordered' FROM orders WHERE customer_id = ${customer}
    UNION ALL
    SELECT resubscribed_at, 'resubscribed' FROM customers WHERE id = ${customer} AND resubscribed_at IS NOT NULL`;
}

/** The customer's latest sign of life ever (null: none), as a scalar subquery for bulk reads. */
export function lastEngagedAtSql(customer: string): string {
  return `(SELECT max(signs.at) FROM (${engagementSigns(customer)}) AS signs)`;
}

const LAST_ENGAGEMENT_SINCE = `
  SELECT at, how FROM (${engagementSigns('$1')}) AS signs WHERE at >= $2 ORDER BY at DESC LIMIT 1`;

/** The latest sign of life since `since` (inclusive). */
export async function lastEngagement(db: Pool | PoolClient, customerId: string, since: string): Promise<Engagement> {
  const { rows } = await db.query<{ at: Date; how: EngagementSign }>(LAST_ENGAGEMENT_SINCE, [customerId, since]);
  const row = rows[0];
  return row ? { engagedAt: row.at.toISOString(), how: row.how } : { engagedAt: null, how: null };
}

export function customerEngagement(db: Pool, input: { customerId: string; since: string }): Promise<Engagement> {
  return lastEngagement(db, input.customerId, input.since);
}

/**
 * The sunset (win-back's and the sunset journey's): mark the customer unengaged (the
 * guardrails then skip all their marketing) unless they engaged since `since`. Check and mark
 * are one transaction holding the customer's row lock, and everything that brings a customer
 * back (the order.placed projection, a human click, a re-subscribe) clears the mark under the
 * same lock, so engagement that races the sunset always wins.
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

/**
 * Bring an unengaged customer back (a human click, a re-subscribe, the "keep me" button): in
 * the caller's transaction, which holds or takes the customer's row lock.
 */
export async function clearUnengaged(tx: Pick<PoolClient, 'query'>, customerId: string): Promise<void> {
  await tx.query('UPDATE customers SET unengaged_at = NULL, updated_at = now() WHERE id = $1 AND unengaged_at IS NOT NULL', [customerId]);
}
