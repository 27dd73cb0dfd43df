import type { Pool } from 'pg';
import { withLockedTransaction } from '../db/transaction';
import type { Duration } from '@temporalio/common';
import { toMs } from '../shared/durations';

export interface StepClaimRequest {
  customerId: string;
  journey: string;
  step: string;
  workflowId: string;
  /** another workflow's unreleased claim younger than this blocks ours */
  window: Duration;
  /** when given, a lost claim is logged as a skipped message, so the log and stats show it */
  message?: { template: string; category: 'transactional' | 'marketing' };
}

export type StepClaim = { claimed: true } | { claimed: false; heldBy: string; claimedAt: string };

/**
 * Take a step (e.g. the post-purchase thank-you) for this workflow unless another of the
 * customer's workflows took the same step within the window. Check and insert run under a
 * per-customer-and-step lock, so two orders placed at the same moment cannot both win.
 * Idempotent: a retried claim by the same workflow finds its own claim and wins again.
 */
export async function claimStep(db: Pool, now: Date, request: StepClaimRequest): Promise<StepClaim> {
  return withLockedTransaction(db, `claim:${request.customerId}:${request.journey}:${request.step}`, async (tx) => {
    const mine = await tx.query(
      'SELECT 1 FROM step_claims WHERE workflow_id = $1 AND step = $2 AND released_at IS NULL',
      [request.workflowId, request.step],
    );
    if (mine.rowCount) return { claimed: true };
    const since = new Date(now.getTime() - toMs(request.window));
    const other = await tx.query<{ workflow_id: string; claimed_at: Date }>(
      `SELECT workflow_id, claimed_at FROM step_claims
        WHERE customer_id = $1 AND journey = $2 AND step = $3 AND workflow_id <> $4
          AND released_at IS NULL AND claimed_at > $5
        ORDER BY claimed_at DESC LIMIT 1`,
      [request.customerId, request.journey, request.step, request.workflowId, since],
    );
    if (other.rows[0]) {
      if (request.message) {
        await tx.query(
          `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, skip_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'skipped', 'sent_for_another_order') ON CONFLICT (idempotency_key) DO NOTHING`,
          [
            `${request.workflowId}/${request.step}`,
            request.workflowId,
            request.journey,
            request.step,
            request.customerId,
            request.message.template,
            request.message.category,
          ],
        );
      }
      return { claimed: false, heldBy: other.rows[0].workflow_id, claimedAt: other.rows[0].claimed_at.toISOString() };
    }
    await tx.query(
      `INSERT INTO step_claims (customer_id, journey, step, workflow_id, claimed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workflow_id, step) DO UPDATE SET claimed_at = EXCLUDED.claimed_at, released_at = NULL`,
      [request.customerId, request.journey, request.step, request.workflowId, now],
    );
    return { claimed: true } as const;
  });
}

/** The claimed step's message did not go out (skipped, failed): let another workflow take it. */
export async function releaseStep(db: Pool, now: Date, request: { workflowId: string; step: string }): Promise<void> {
  await db.query(
    'UPDATE step_claims SET released_at = $3 WHERE workflow_id = $1 AND step = $2 AND released_at IS NULL',
    [request.workflowId, request.step, now],
  );
}
