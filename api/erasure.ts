import { createHmac } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { customerJourneysQuery } from './journeys';
import { withTransaction } from '../db/transaction';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdPart } from '../workflows/messages';
import { customerKeyedJourneys } from '../ingest/routes';
import { CUSTOMER_LAPSED } from '../ingest/lapsed-events';

/**
 * GDPR erasure (DELETE /v1/customers/:id). What "erased" means here:
 * - Postgres: the customers row stays as a tombstone keyed by the shop's id (erased_at set,
 *   every personal field and the consent record nulled, the link epoch bumped) so the send
 *   path answers 'erased', links mailed before stop working, and an event that occurred before
 *   the erasure cannot bring the profile back; a profile event that occurred after it starts a
 *   fresh customer, with consent only as that event gives it.
 *   Everywhere else the id itself is replaced by a keyed pseudonym (HMAC with PSEUDONYM_SECRET:
 *   not reversible by guessing ids): events (personal properties removed; the sunset's lapse
 *   events, whose ids name the customer, renamed), orders (totals,
 *   currency and items kept for the books; tracking details dropped), the message log (address,
 *   subject, links and stored email removed; workflow ids and idempotency keys pseudonymised,
 *   which also frees the keys for a customer who comes back under the same id), coupons
 *   (codes kept for redemption). Step claims and back-in-stock subscriptions are deleted,
 *   local outbox copies too, and Resend webhook payloads about the customer's messages emptied.
 * - Temporal: running journeys are terminated with a reason. Their histories (which hold the
 *   events' payloads, the email among them) and the CustomerId search attribute of closed runs
 *   go with the namespace's retention period — keep it within the one month GDPR allows. We do
 *   not call DeleteWorkflowExecution: the dev server did not act on it in testing and Temporal
 *   advises against it.
 * - A second pass runs once every relay lease held at erasure time has run out: an event the
 *   relay had already taken may still start a journey, and a send already in flight may still
 *   log its message; the second pass ends and scrubs those too (see `sweepErasures`).
 * - audit_log: one 'erase' row whose subject is the pseudonym; the customer's earlier audit
 *   rows are re-keyed.
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
  'attributes',
  'cartUrl',
  'trackingNumber',
  'trackingUrl',
  // engagement events (email.opened / email.clicked) name the sending workflow, whose id embeds the customer id
  'workflowId',
];

/**
 * The journeys whose workflow ids begin with the customer's id (`<journey>/<customer>[/…]`), from
 * the routing table: a new customer-keyed journey is covered by itself. Order journeys are keyed by the order.
 */
const CUSTOMER_JOURNEYS = customerKeyedJourneys();

export const ERASURE_REASON = 'customer erased (GDPR erasure request)';

/** How long after the last relay lease the second pass waits (a dispatch in progress finishes). */
const SECOND_PASS_SLACK_SECONDS = 15;

/** The Temporal calls erasure needs; tests pass a fake. */
export type JourneyControl = {
  workflow: Pick<Client['workflow'], 'list' | 'getHandle'>;
};

export interface ErasureDeps {
  db: Pool;
  temporal: JourneyControl;
  /** PSEUDONYM_SECRET (config.pseudonymSecret) */
  secret: string;
}

export interface ErasureResult {
  customerId: string;
  erasedAt: string;
  journeysEnded: number;
}

/** How every pseudonym begins: a row whose customer_id starts so belongs to an erased customer. */
export const ERASED_PREFIX = 'hmac-sha256:';

/** A keyed pseudonym: stable for one value (audit rows line up), unreadable without the secret. */
export function pseudonym(secret: string, value: string): string {
  return `${ERASED_PREFIX}${createHmac('sha256', secret).update(value).digest('hex')}`;
}

export async function eraseCustomer(deps: ErasureDeps, customerId: string, now = new Date()): Promise<ErasureResult> {
  // Postgres first: from this commit on, every send for the customer is skipped 'erased',
  // even from a journey the Temporal step below has not reached yet.
  const scrubbed = await scrubPersonalData(deps, customerId, now);
  const journeys = await endJourneys(deps.temporal, customerId);
  await deps.db.query(`INSERT INTO audit_log (action, subject, details) VALUES ('erase', $1, $2)`, [
    `customer:${pseudonym(deps.secret, customerId)}`,
    JSON.stringify({ ...scrubbed, ...journeys }),
  ]);
  return { customerId, erasedAt: now.toISOString(), ...journeys };
}

/**
 * The second pass of every erasure whose relay leases have run out: end journeys that started
 * since, scrub rows written since. Durable (the due time is on the tombstone), so an API that
 * restarts in between still does it. Returns how many erasures it completed.
 */
export async function sweepErasures(deps: ErasureDeps, limit = 20): Promise<number> {
  const { rows } = await deps.db.query<{ id: string }>(
    `SELECT id FROM customers WHERE erasure_sweep_due_at <= now() AND erasure_swept_at IS NULL
      ORDER BY erasure_sweep_due_at LIMIT $1`,
    [limit],
  );
  for (const { id } of rows) {
    const scrubbed = await withTransaction(deps.db, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`send:${id}`]);
      return scrubRows({ db: tx, secret: deps.secret }, id);
    });
    const journeys = await endJourneys(deps.temporal, id);
    await deps.db.query('UPDATE customers SET erasure_swept_at = now() WHERE id = $1 AND erasure_swept_at IS NULL', [id]);
    if (scrubbed.events + scrubbed.messages + journeys.journeysEnded > 0) {
      await deps.db.query(`INSERT INTO audit_log (action, subject, details) VALUES ('erase-second-pass', $1, $2)`, [
        `customer:${pseudonym(deps.secret, id)}`,
        JSON.stringify({ ...scrubbed, ...journeys }),
      ]);
    }
  }
  return rows.length;
}

async function scrubPersonalData(deps: ErasureDeps, customerId: string, now: Date) {
  return withTransaction(deps.db, async (tx) => {
    // The send path takes the same lock: no send decision is half-way through while we scrub.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`send:${customerId}`]);
    const email = (await tx.query<{ email: string | null }>('SELECT email FROM customers WHERE id = $1 FOR UPDATE', [customerId])).rows[0]?.email;
    if (email) await tx.query('DELETE FROM outbox WHERE lower(to_email) = lower($1)', [email]);
    // The relay may hold some of the customer's events right now: the second pass waits for those leases.
    const lease = await tx.query<{ until: Date | null }>(
      'SELECT max(leased_until) AS until FROM events WHERE customer_id = $1 AND dispatched_at IS NULL',
      [customerId],
    );
    const scrubbed = await scrubRows({ ...deps, db: tx }, customerId);
    await tx.query(
      `INSERT INTO customers (id, erased_at, link_epoch, erasure_sweep_due_at) VALUES ($1, $2, 1, greatest(now(), $3) + make_interval(secs => $4))
       ON CONFLICT (id) DO UPDATE SET email = NULL, first_name = NULL, timezone = NULL, locale = NULL, birthday = NULL,
         marketing_consent = false, consent_source = NULL, consent_at = NULL, unsubscribed_at = NULL, unengaged_at = NULL,
         profile_at = '{}', attributes = '{}', shop_consent = NULL, shop_consent_at = NULL, resubscribed_at = NULL,
         erased_at = $2, link_epoch = customers.link_epoch + 1, erasure_sweep_due_at = EXCLUDED.erasure_sweep_due_at,
         erasure_swept_at = NULL, updated_at = now()`,
      [customerId, now, lease.rows[0]?.until ?? null, SECOND_PASS_SLACK_SECONDS],
    );
    await tx.query(`UPDATE audit_log SET subject = $2 WHERE subject = $1`, [
      `customer:${customerId}`,
      `customer:${pseudonym(deps.secret, customerId)}`,
    ]);
    return scrubbed;
  });
}

/** Every row that still names the customer by id: personal data out, the id pseudonymised. */
async function scrubRows(deps: { db: Pick<PoolClient, 'query'>; secret: string }, customerId: string) {
  const { db, secret } = deps;
  const alias = pseudonym(secret, customerId);
  // Keys and workflow ids embed the customer id: each becomes its own pseudonym, prefixed by the
  // journey so statistics per journey stay readable. A unique key is salted with its row: a
  // customer who comes back under the same id is mailed under the same keys, and erasing them
  // again must not rename them onto the first erasure's.
  const renamed = (value: string, row = '') => `${value.split('/')[0]}/erased:${pseudonym(secret, row ? `${value}#${row}` : value).slice(-32)}`;

  const messages = await db.query<{ id: string; idempotency_key: string; workflow_id: string; provider_message_id: string | null }>(
    'SELECT id, idempotency_key, workflow_id, provider_message_id FROM messages WHERE customer_id = $1',
    [customerId],
  );
  const keys = messages.rows.map((m) => m.idempotency_key);
  if (keys.length) await db.query('DELETE FROM outbox WHERE idempotency_key = ANY($1::text[])', [keys]);
  const providerIds = messages.rows.map((m) => m.provider_message_id).filter((p): p is string => !!p);
  if (providerIds.length) {
    await db.query(`UPDATE webhook_events SET payload = '{}' WHERE payload->'data'->>'email_id' = ANY($1::text[])`, [providerIds]);
  }
  if (messages.rows.length) {
    await db.query(
      `UPDATE messages m SET customer_id = $1, idempotency_key = u.key, workflow_id = u.workflow_id,
              to_email = NULL, subject = NULL, links = '[]', payload = NULL, updated_at = now()
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(id, key, workflow_id)
        WHERE m.id = u.id`,
      [alias, messages.rows.map((m) => m.id), messages.rows.map((m) => renamed(m.idempotency_key, m.id)), messages.rows.map((m) => renamed(m.workflow_id))],
    );
  }
  const coupons = await db.query<{ code: string; issue_key: string }>('SELECT code, issue_key FROM coupons WHERE customer_id = $1', [customerId]);
  for (const c of coupons.rows) {
    await db.query('UPDATE coupons SET customer_id = $2, issue_key = $3 WHERE code = $1', [c.code, alias, renamed(c.issue_key, c.code)]);
  }
  await db.query('DELETE FROM step_claims WHERE customer_id = $1', [customerId]);
  await db.query('DELETE FROM back_in_stock_subscriptions WHERE customer_id = $1', [customerId]);
  // Journeys held back until the customer was quiet (their carts, views, orders): never started
  // now. Before the dispatch lock, as the relay's due check takes them (rows, then the lock).
  await db.query('DELETE FROM held_starts WHERE customer_id = $1', [customerId]);
  // Under the customer's dispatch lock: an event stored meanwhile is either erased here or
  // queued after this commits, never left behind a head that erasure took away.
  await db.query('SELECT journeys_lock_customers(ARRAY[$1])', [customerId]);
  await db.query('DELETE FROM journey_untracked_customers WHERE customer_id = $1', [customerId]);
  // The relay's record of started journeys names the customer inside each workflow id. Those
  // journeys are ended; a customer who comes back starts (and records) new ones.
  await db.query(
    `DELETE FROM journey_instances WHERE workflow_id = ANY($1::text[]) OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE starts_with(workflow_id, p.prefix))`,
    [CUSTOMER_JOURNEYS.map((journey) => `${journey}/${workflowIdPart(customerId)}`), CUSTOMER_JOURNEYS.map((journey) => `${journey}/${workflowIdPart(customerId)}/`)],
  );
  // Notifications the shop already received (or that gave up) need no copy of the customer here;
  // pending ones still tell the shop about an unsubscribe it must follow.
  await db.query(
    `UPDATE shop_webhooks SET payload = '{}' WHERE payload->>'customerId' = $1 AND (delivered_at IS NOT NULL OR gave_up_at IS NOT NULL)`,
    [customerId],
  );
  // Our own lapse events name the customer in their id (a keyed hash now; an unkeyed one before
  // activities/sunset.ts keyed it): renamed like message keys, so no id is left to link or guess.
  // Nothing needs them afterwards: an erased customer never lapses, a returning one lapses anew.
  const lapses = await db.query<{ id: string }>('SELECT id FROM events WHERE customer_id = $1 AND type = $2', [customerId, CUSTOMER_LAPSED]);
  if (lapses.rows.length) {
    await db.query(`UPDATE events e SET id = u.renamed FROM unnest($1::text[], $2::text[]) AS u(id, renamed) WHERE e.id = u.id`, [
      lapses.rows.map((e) => e.id),
      lapses.rows.map((e) => `${CUSTOMER_LAPSED}:erased:${pseudonym(secret, e.id).slice(-32)}`),
    ]);
  }
  const events = await db.query(
    `UPDATE events SET customer_id = $3, properties = properties - $2::text[], head_of_line = false,
            dispatched_at = coalesce(dispatched_at, now()),
            dispatch_error = CASE WHEN dispatched_at IS NULL THEN 'customer erased' ELSE dispatch_error END
      WHERE customer_id = $1`,
    [customerId, PERSONAL_PROPERTIES, alias],
  );
  await db.query(
    'UPDATE orders SET customer_id = $2, carrier = NULL, tracking_number = NULL, tracking_url = NULL WHERE customer_id = $1',
    [customerId, alias],
  );
  return { events: events.rowCount ?? 0, messages: messages.rowCount ?? 0, coupons: coupons.rowCount ?? 0 };
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
