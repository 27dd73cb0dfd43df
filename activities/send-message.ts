import type { Pool, PoolClient } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { withTransaction } from '../db/transaction';
import { renderTemplate, isTemplateName, type RenderedEmail } from './email/render';
import { addTracking } from './email/tracking';
import { PermanentSendError, type Mailer } from './email/mailer';
import { evaluateGuardrails, type CustomerRow, type Guardrail, guardrails as defaultGuardrails } from './guardrails';
import { issueCoupon } from './coupons';
import { unsubscribeUrl } from '../links/signed-links';
import type { TemplateName, TemplateProps, EmailContext } from '../emails';
import type { SendMessageInput, SendOutcome } from './types';

export interface SendDeps {
  db: Pool;
  mailer: Mailer;
  now: () => Date;
  guardrails?: Guardrail[];
  mail: { from: string; shopName: string; postalAddress: string };
  publicUrl: string;
  shopUrl: string;
  tokenSecret: string;
}

interface LedgerRow {
  id: number;
  status: 'pending' | 'sent' | 'skipped' | 'deferred' | 'failed';
  skip_reason: string | null;
  provider_message_id: string | null;
  to_email: string | null;
  subject: string | null;
  updated_at: Date;
}

/**
 * Resend keeps an idempotency key for 24 hours. A ledger row left 'pending' for longer (a
 * worker died mid-send and the retry came a day later) may or may not have been mailed; we
 * fail it rather than risk sending the same email twice.
 */
const PROVIDER_IDEMPOTENCY_WINDOW_MS = 23 * 60 * 60 * 1000;

/**
 * The one send path. Order matters:
 * 1. the ledger row for the idempotency key short-circuits a repeat (sent stays sent);
 * 2. under a per-customer lock, guardrails decide at send time and the row is claimed
 *    'pending' — concurrent journeys of one customer serialise here (frequency cap);
 * 3. the provider call carries the same idempotency key, so a crash between 2 and 4 re-sends
 *    into the provider's dedupe window instead of mailing twice;
 * 4. the row becomes 'sent'.
 */
export async function sendMessage(deps: SendDeps, input: SendMessageInput): Promise<SendOutcome> {
  if (!isTemplateName(input.template)) {
    throw ApplicationFailure.nonRetryable(`unknown template ${input.template}`, 'UnknownTemplate');
  }
  const existing = await findLedgerRow(deps.db, input.idempotencyKey);
  if (existing && existing.status !== 'deferred') {
    const settled = settledOutcome(existing);
    if (settled) return settled;
    return deliver(deps, input, existing);
  }

  const claimed = await claim(deps, input);
  if ('status' in claimed) return claimed;
  // Rendered after the claim commits: React rendering inside the transaction would hold the
  // customer's lock (and, on the embedded single-session database, every other query) meanwhile.
  const email = await composeEmail(deps, input, claimed.customer, claimed.customer.email!, claimed.row.id, claimed.data);
  await deps.db.query(`UPDATE messages SET subject = $2, links = $3, updated_at = now() WHERE id = $1`, [
    claimed.row.id,
    email.rendered.subject,
    JSON.stringify(email.rendered.links),
  ]);
  return deliver(deps, input, { ...claimed.row, subject: email.rendered.subject }, email);
}

function settledOutcome(row: LedgerRow): SendOutcome | undefined {
  if (row.status === 'sent') {
    return { status: 'sent', messageId: row.id, providerMessageId: row.provider_message_id ?? '' };
  }
  if (row.status === 'skipped') return { status: 'skipped', reason: row.skip_reason ?? 'skipped' };
  if (row.status === 'failed') return { status: 'failed', reason: row.skip_reason ?? 'failed' };
  return undefined;
}

async function findLedgerRow(db: Pool | PoolClient, key: string): Promise<LedgerRow | undefined> {
  const { rows } = await db.query<LedgerRow>(
    `SELECT id, status, skip_reason, provider_message_id, to_email, subject, updated_at
       FROM messages WHERE idempotency_key = $1`,
    [key],
  );
  return rows[0];
}

interface ComposedEmail {
  to: string;
  rendered: RenderedEmail;
  headers: Record<string, string>;
}

interface Claimed {
  row: LedgerRow;
  customer: CustomerRow;
  /** the journey's data after the stock filter, with the issued coupon */
  data: Record<string, unknown>;
}

async function claim(deps: SendDeps, input: SendMessageInput): Promise<Claimed | SendOutcome> {
  return withTransaction(deps.db, async (tx): Promise<Claimed | SendOutcome> => {
    // Serialises every send decision for one customer across workflows and worker processes.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`send:${input.customerId}`]);
    const again = await findLedgerRow(tx, input.idempotencyKey);
    if (again && again.status !== 'deferred') {
      return settledOutcome(again) ?? deliverPendingLater(again);
    }
    const customer = await loadCustomer(tx, input.customerId);
    const now = deps.now();
    const verdict = await evaluateGuardrails({ tx, input, customer, now }, deps.guardrails ?? defaultGuardrails);
    if (verdict.action === 'skip') {
      await upsertLedger(tx, input, { status: 'skipped', skipReason: verdict.reason, to: customer?.email ?? null });
      return { status: 'skipped', reason: verdict.reason };
    }
    if (verdict.action === 'defer') {
      await upsertLedger(tx, input, { status: 'deferred', skipReason: verdict.reason, to: customer?.email ?? null });
      return { status: 'deferred', reason: verdict.reason, retryAt: verdict.until.toISOString() };
    }

    let data = input.data;
    if (input.promotes) {
      const inStock = await keepInStockItems(tx, data);
      if (!inStock) {
        await upsertLedger(tx, input, { status: 'skipped', skipReason: 'out_of_stock', to: customer!.email });
        return { status: 'skipped', reason: 'out_of_stock' };
      }
      data = inStock;
    }
    data = await withCoupon(tx, input, data, now);

    // The row id goes into the unsubscribe link: the row is claimed before rendering.
    const row = await upsertLedger(tx, input, { status: 'pending', skipReason: null, to: customer!.email, claimedAt: now });
    return { row, customer: customer!, data };
  });
}

/** A concurrent attempt holds the row 'pending': let the activity retry and find it settled. */
function deliverPendingLater(row: LedgerRow): never {
  throw new Error(`message ${row.id} is being sent by another attempt`);
}

function emailContext(deps: SendDeps, input: SendMessageInput, customer: CustomerRow, messageId: number): EmailContext {
  return {
    shopName: deps.mail.shopName,
    shopUrl: deps.shopUrl,
    postalAddress: deps.mail.postalAddress,
    firstName: customer.first_name ?? undefined,
    locale: customer.locale ?? undefined,
    unsubscribeUrl:
      input.category === 'marketing'
        ? unsubscribeUrl(deps.publicUrl, deps.tokenSecret, customer.id, messageId)
        : undefined,
  };
}

async function deliver(
  deps: SendDeps,
  input: SendMessageInput,
  row: LedgerRow,
  prepared?: ComposedEmail,
): Promise<SendOutcome> {
  if (!prepared) {
    // A previous attempt claimed the row and died around the provider call.
    if (deps.now().getTime() - row.updated_at.getTime() > PROVIDER_IDEMPOTENCY_WINDOW_MS) {
      await markFailed(deps.db, row.id, 'unknown_delivery_state');
      return { status: 'failed', reason: 'unknown_delivery_state' };
    }
    prepared = await rerender(deps, input, row);
  }
  try {
    const { providerMessageId } = await deps.mailer.send({
      to: prepared.to,
      from: deps.mail.from,
      subject: prepared.rendered.subject,
      html: prepared.rendered.html,
      text: prepared.rendered.text,
      headers: prepared.headers,
      idempotencyKey: input.idempotencyKey,
      tags: [
        { name: 'journey', value: tagValue(input.journey) },
        { name: 'step', value: tagValue(input.step) },
      ],
    });
    await deps.db.query(
      `UPDATE messages SET status = 'sent', provider_message_id = $2, sent_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [row.id, providerMessageId],
    );
    return { status: 'sent', messageId: row.id, providerMessageId };
  } catch (err) {
    if (err instanceof PermanentSendError) {
      await markFailed(deps.db, row.id, `provider_rejected: ${err.message}`.slice(0, 500));
      return { status: 'failed', reason: 'provider_rejected' };
    }
    throw err;
  }
}

/** Rebuild the exact email of a pending row (same coupon, same links) for a retry. */
async function rerender(deps: SendDeps, input: SendMessageInput, row: LedgerRow): Promise<ComposedEmail> {
  const customer = await loadCustomer(deps.db, input.customerId);
  const to = row.to_email ?? customer?.email;
  if (!customer || !to) {
    await markFailed(deps.db, row.id, 'no_email');
    throw ApplicationFailure.nonRetryable('recipient vanished while sending', 'RecipientGone');
  }
  let data = input.data;
  if (input.promotes) data = (await keepInStockItems(deps.db, data)) ?? data;
  data = await withCoupon(deps.db, input, data, deps.now());
  return composeEmail(deps, input, customer, to, row.id, data);
}

/** Render the message and the headers that go with it (one-click unsubscribe for marketing). */
async function composeEmail(
  deps: SendDeps,
  input: SendMessageInput,
  customer: CustomerRow,
  to: string,
  messageId: number,
  data: Record<string, unknown>,
): Promise<ComposedEmail> {
  const context = emailContext(deps, input, customer, messageId);
  const rendered = addTracking(
    await renderTemplate(input.template as TemplateName, { ...data, context } as TemplateProps[TemplateName]),
    { publicUrl: deps.publicUrl, secret: deps.tokenSecret, customerId: customer.id, messageId },
  );
  const headers: Record<string, string> = {};
  if (context.unsubscribeUrl) {
    headers['List-Unsubscribe'] = `<${context.unsubscribeUrl}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return { to, rendered, headers };
}

async function loadCustomer(db: Pool | PoolClient, customerId: string): Promise<CustomerRow | undefined> {
  const { rows } = await db.query<CustomerRow>(
    `SELECT id, email, first_name, timezone, locale, marketing_consent, unsubscribed_at, unengaged_at, erased_at
       FROM customers WHERE id = $1`,
    [customerId],
  );
  return rows[0];
}

/** The journey's data with the coupon it asked for (issued once per coupon key, then reused). */
async function withCoupon(
  db: Pool | PoolClient,
  input: SendMessageInput,
  data: Record<string, unknown>,
  now: Date,
): Promise<Record<string, unknown>> {
  if (!input.coupon) return data;
  const coupon = await issueCoupon(db, { ...input.coupon, customerId: input.customerId, journey: input.journey }, now);
  return { ...data, coupon };
}

async function markFailed(db: Pool, id: number, reason: string): Promise<void> {
  await db.query(`UPDATE messages SET status = 'failed', skip_reason = $2, updated_at = now() WHERE id = $1`, [id, reason]);
}

/** Drop sold-out products from `data.items`; undefined when nothing is left to show. */
async function keepInStockItems(
  db: Pool | PoolClient,
  data: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const items = Array.isArray(data.items) ? (data.items as { productId: string }[]) : [];
  if (items.length === 0) return undefined;
  const { rows } = await db.query<{ id: string }>('SELECT id FROM products WHERE id = ANY($1) AND stock > 0', [
    items.map((i) => i.productId),
  ]);
  const inStock = new Set(rows.map((r) => r.id));
  const kept = items.filter((i) => inStock.has(i.productId));
  return kept.length ? { ...data, items: kept } : undefined;
}

async function upsertLedger(
  tx: PoolClient,
  input: SendMessageInput,
  state: { status: LedgerRow['status']; skipReason: string | null; to: string | null; claimedAt?: Date },
): Promise<LedgerRow> {
  // claimed_at (send-path clock) is what the frequency cap counts: a 'pending' row holds its slot.
  const { rows } = await tx.query<LedgerRow>(
    `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, to_email, status, skip_reason, claimed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (idempotency_key) DO UPDATE
       SET status = EXCLUDED.status, skip_reason = EXCLUDED.skip_reason, to_email = EXCLUDED.to_email,
           claimed_at = EXCLUDED.claimed_at, updated_at = now()
     RETURNING id, status, skip_reason, provider_message_id, to_email, subject, updated_at`,
    [
      input.idempotencyKey,
      input.workflowId,
      input.journey,
      input.step,
      input.customerId,
      input.template,
      input.category,
      state.to,
      state.status,
      state.skipReason,
      state.claimedAt ?? null,
    ],
  );
  return rows[0];
}

/** Resend tags allow ASCII letters, digits, underscores and dashes only. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
}
