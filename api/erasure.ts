import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { customerJourneysQuery } from './journeys';
import { withTransaction } from '../db/transaction';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';

/**
 * GDPR erasure (DELETE /v1/customers/:id). What "erased" means here:
 * - Postgres: the customers row stays as a tombstone (erased_at set, every personal field and
 *   the consent/unsubscribe record nulled) so the send path answers 'erased' and an event
 *   that occurred before the erasure cannot bring the profile back; a profile event that
 *   occurred after it starts a fresh customer, with consent only as that event gives it.
 *   Events keep their ids (idempotency) with personal properties removed; messages lose
 *   address and subject; local outbox copies are deleted; orders keep totals, currency and
 *   items for the shop's books, not tracking details; Resend webhook payloads are emptied.
 * - Temporal: running journeys are terminated with a reason. Their histories (which hold the
 *   events' payloads, the email among them) go with the namespace's retention period — keep
 *   it within the one month GDPR allows. We do not call DeleteWorkflowExecution: the dev
 *   server did not act on it in testing and Temporal advises against it.
 * - audit_log: one 'erase' row whose subject is a SHA-256 of the id (verifiable by whoever
 *   knows the id, readable by nobody else); the customer's earlier audit rows are re-keyed.
 * Idempotent: erasing again (or an unknown id) leaves the same state and adds an audit row.
 */
const PERSONAL_PROPERTIES = [
  'email',
  'firstName',
  'lastName',
  'name',
  'phone',
  'birthday',
  'timezone',
  'locale',
  'address',
  'cartUrl',
  'trackingNumber',
  'trackingUrl',
];

export const ERASURE_REASON = 'customer erased (GDPR erasure request)';

/** The Temporal calls erasure needs; tests pass a fake. */
export type JourneyControl = {
  workflow: Pick<Client['workflow'], 'list' | 'getHandle'>;
};

export interface ErasureResult {
  customerId: string;
  erasedAt: string;
  journeysEnded: number;
}

export function pseudonym(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex')}`;
}

export async function eraseCustomer(
  deps: { db: Pool; temporal: JourneyControl },
  customerId: string,
  now = new Date(),
): Promise<ErasureResult> {
  // Postgres first: from this commit on, every send for the customer is skipped 'erased',
  // even from a journey the Temporal step below has not reached yet.
  const scrubbed = await scrubPersonalData(deps.db, customerId, now);
  const journeys = await endJourneys(deps.temporal, customerId);
  await deps.db.query(`INSERT INTO audit_log (action, subject, details) VALUES ('erase', $1, $2)`, [
    `customer:${pseudonym(customerId)}`,
    JSON.stringify({ ...scrubbed, ...journeys }),
  ]);
  return { customerId, erasedAt: now.toISOString(), ...journeys };
}

async function scrubPersonalData(db: Pool, customerId: string, now: Date) {
  return withTransaction(db, async (tx) => {
    // The send path takes the same lock: no send is half-way through while we scrub.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`send:${customerId}`]);
    const email = (await tx.query<{ email: string | null }>('SELECT email FROM customers WHERE id = $1 FOR UPDATE', [customerId])).rows[0]?.email;
    const outbox = await tx.query(
      `DELETE FROM outbox WHERE idempotency_key IN (SELECT idempotency_key FROM messages WHERE customer_id = $1)
          OR ($2::text IS NOT NULL AND lower(to_email) = lower($2))`,
      [customerId, email ?? null],
    );
    await tx.query(
      `UPDATE webhook_events SET payload = '{}' WHERE payload->'data'->>'email_id' IN
         (SELECT provider_message_id FROM messages WHERE customer_id = $1 AND provider_message_id IS NOT NULL)`,
      [customerId],
    );
    // The ledger and coupon keys are renamed, not kept: a customer who comes back under the
    // same id with new consent starts fresh, and a restarted journey's sends are not mistaken
    // for the erased customer's. The rows stay (without PII) for the shop's statistics.
    const messages = await tx.query(
      `UPDATE messages SET to_email = NULL, subject = NULL, links = '[]', payload = NULL,
              idempotency_key = idempotency_key || '#erased:' || $2
        WHERE customer_id = $1 AND idempotency_key NOT LIKE '%#erased:%'`,
      [customerId, now.toISOString()],
    );
    await tx.query(
      `UPDATE coupons SET issue_key = issue_key || '#erased:' || $2 WHERE customer_id = $1 AND issue_key NOT LIKE '%#erased:%'`,
      [customerId, now.toISOString()],
    );
    await tx.query('UPDATE step_claims SET released_at = coalesce(released_at, $2) WHERE customer_id = $1', [customerId, now]);
    // Under the customer's dispatch lock: an event stored meanwhile is either erased here or
    // queued after this commits, never left behind a head that erasure took away.
    await tx.query('SELECT journeys_lock_customers(ARRAY[$1])', [customerId]);
    const events = await tx.query(
      `UPDATE events SET properties = properties - $2::text[], head_of_line = false,
              dispatched_at = coalesce(dispatched_at, now()),
              dispatch_error = CASE WHEN dispatched_at IS NULL THEN 'customer erased' ELSE dispatch_error END
        WHERE customer_id = $1`,
      [customerId, PERSONAL_PROPERTIES],
    );
    await tx.query('UPDATE orders SET carrier = NULL, tracking_number = NULL, tracking_url = NULL WHERE customer_id = $1', [customerId]);
    await tx.query(
      `INSERT INTO customers (id, erased_at) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET email = NULL, first_name = NULL, timezone = NULL, locale = NULL, birthday = NULL,
         marketing_consent = false, consent_source = NULL, consent_at = NULL, unsubscribed_at = NULL, unengaged_at = NULL,
         profile_at = '{}', shop_consent = NULL, shop_consent_at = NULL, resubscribed_at = NULL,
         erased_at = $2, updated_at = now()`,
      [customerId, now],
    );
    await tx.query(`UPDATE audit_log SET subject = $2 WHERE subject = $1`, [`customer:${customerId}`, `customer:${pseudonym(customerId)}`]);
    return { events: events.rowCount ?? 0, messages: messages.rowCount ?? 0, outbox: outbox.rowCount ?? 0 };
  });
}

async function endJourneys(temporal: JourneyControl, customerId: string): Promise<{ journeysEnded: number }> {
  const running: { workflowId: string; runId: string }[] = [];
  for await (const wf of temporal.workflow.list({ query: `${customerJourneysQuery(customerId)} AND ExecutionStatus = 'Running'` })) {
    running.push({ workflowId: wf.workflowId, runId: wf.runId });
  }
  let journeysEnded = 0;
  for (const wf of running) {
    try {
      await temporal.workflow.getHandle(wf.workflowId, wf.runId).terminate(ERASURE_REASON);
      journeysEnded++;
    } catch (err) {
      // Closed between the listing and now: nothing left to end.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return { journeysEnded };
}
