import type { Pool, PoolClient } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { withLockedReads, type LockedReads } from '../db/transaction';
import { literal } from '../db/literal';
import { executeSql, preparedStatement } from '../db/prepared';
import { claimFactsSql, readClaimFacts, CUSTOMER_SELECT } from './send-facts';
import { renderTemplate, isTemplateName } from './email/render';
import { addTracking } from './email/tracking';
import {
  IdempotencyKeyUsedError,
  PermanentSendError,
  ProviderRefusedError,
  type EmailPayload,
  type Mailer,
} from './email/mailer';
import {
  evaluateGuardrails,
  permissionGuardrails,
  type CustomerRow,
  type Guardrail,
  guardrails as defaultGuardrails,
} from './guardrails';
import { issueCoupon } from './coupons';
import { measureSend, type MeasurementSettings, type SendMeasurement } from './experiments';
import { keepSubscribedUrl, unsubscribeUrl, type LinkHolder } from '../links/signed-links';
import type { TemplateName, TemplateProps, EmailContext } from '../emails';
import { createI18n, type MessageOverrides } from '../emails/i18n';
import type { SendMessageInput, SendOutcome } from './types';

export interface SendDeps {
  db: Pool;
  mailer: Mailer;
  now: () => Date;
  guardrails?: Guardrail[];
  /** what a retry after a provider refusal checks again; default: permissionGuardrails */
  permissionGuardrails?: readonly Guardrail[];
  mail: MailIdentity;
  /** the shop's default locale (customers whose language we do not ship) and its string overrides */
  locales?: { shopLocale?: string; overrides?: () => MessageOverrides };
  publicUrl: string;
  shopUrl: string;
  tokenSecret: string;
  /** how many orders may redeem a code issued now; default once */
  maxCouponRedemptions?: (journey: string) => number;
  /** A/B tests and holdouts (JOURNEYS_CONFIG_FILE experiments, holdouts); none by default */
  measurement?: MeasurementSettings;
  /**
   * How far back the claim reads the customer's marketing sends: the frequency cap's window
   * (guardrails.frequencyCapWindow). A cap that looks further back reads again itself.
   */
  recentMarketingWindowMs?: number;
}

const NO_MEASUREMENT: MeasurementSettings = { experiments: [], holdouts: {} };

/** The send as its variant has it: another template, another offer. */
function withVariant(input: SendMessageInput, measured: SendMeasurement): SendMessageInput {
  const variant = measured.experiment?.variant;
  if (!variant) return input;
  return {
    ...input,
    template: variant.template ?? input.template,
    coupon: input.coupon && variant.couponPercentOff ? { ...input.coupon, percentOff: variant.couponPercentOff } : input.coupon,
  };
}

/** Who the email is from and how it speaks for the shop. */
export interface MailIdentity {
  from: string;
  shopName: string;
  postalAddress: string;
  /** MAIL_REPLY_TO: the Reply-To header, so replies reach a person */
  replyTo?: string;
  /** what the welcome email promises about frequency (MARKETING_EMAILS_PER_WEEK) */
  marketingEmailsPerWeek?: number;
}

interface LedgerRow {
  id: number;
  status: 'pending' | 'sent' | 'skipped' | 'deferred' | 'failed' | 'unconfirmed';
  skip_reason: string | null;
  provider_message_id: string | null;
  to_email: string | null;
  subject: string | null;
  claimed_at: Date | null;
  /** NULL: not handed to the provider yet; see db/migrations/045_send_ledger_retries.sql */
  delivery: 'in_doubt' | 'refused' | null;
  payload: EmailPayload | null;
  refusals: number;
}

const LEDGER_COLUMN_LIST = ['id', 'status', 'skip_reason', 'provider_message_id', 'to_email', 'subject', 'claimed_at', 'delivery', 'payload', 'refusals'] as const;
const LEDGER_COLUMNS = LEDGER_COLUMN_LIST.join(', ');

/** The frequency cap's default window (16 hours), for a SendDeps that does not say. */
const DEFAULT_RECENT_MARKETING_WINDOW_MS = 16 * 60 * 60 * 1000;

/**
 * Resend keeps an idempotency key for 24 hours. A row handed over and left in doubt for
 * longer (a worker died mid-send and the retry came a day later) may or may not have been
 * mailed; it becomes 'unconfirmed' rather than risk the same email twice.
 */
const PROVIDER_IDEMPOTENCY_WINDOW_MS = 23 * 60 * 60 * 1000;

/**
 * Attempts the provider definitely refused (429) before the message is given up as failed:
 * about half an hour of refusals either way. Marketing backs off 2 s doubling to 10 min (10
 * tries); a transactional send, which someone is waiting for, tries again at most 20 s apart
 * (SEND_RETRY_MAX_INTERVAL in workflows/messages.ts), so it gets as many tries as fit in that half hour.
 */
export const MAX_PROVIDER_REFUSALS: Record<SendMessageInput['category'], number> = { marketing: 10, transactional: 90 };

/**
 * The one send path. Order matters:
 * 1. the ledger row for the idempotency key short-circuits a repeat (sent stays sent);
 * 2. under a per-customer lock, guardrails decide at send time and the row is claimed
 *    'pending' — concurrent journeys of one customer serialise here (frequency cap);
 * 3. the email is rendered once and stored on the row with the hand-over (one statement);
 *    every retry sends exactly those bytes under the same idempotency key, so a crash between
 *    3 and 4 re-sends into the provider's dedupe window instead of mailing twice;
 * 4. the row becomes 'sent'.
 * A retry after the provider definitely refused (429) decides again under the lock: consent,
 * unsubscribe, suppression, erasure and the journey's exit may have changed meanwhile.
 */
export async function sendMessage(deps: SendDeps, input: SendMessageInput): Promise<SendOutcome> {
  if (!isTemplateName(input.template)) {
    throw ApplicationFailure.nonRetryable(`unknown template ${input.template}`, 'UnknownTemplate');
  }
  // The ledger row is read under the lock, in the claim: a first attempt (nearly every send)
  // costs no separate look-up, and a repeat finds the row the same way.
  const claimed = await claim(deps, input);
  if ('handedOver' in claimed) return settledOutcome(claimed.handedOver) ?? retryHandedOver(deps, input, claimed.handedOver);
  if ('status' in claimed) return claimed;
  // Rendered after the claim commits: React rendering inside the transaction would hold the
  // customer's lock (and, on the embedded single-session database, every other query) meanwhile.
  const email = await composeEmail(deps, claimed.input, claimed.customer, claimed.customer.email!, claimed.row.id, claimed.data, claimed.subject);
  if (deps.mailer.sendClaimed) return sendClaimed(deps, deps.mailer.sendClaimed, input, claimed.row, email);
  const payload = await handOver(deps.db, claimed.row.id, input.idempotencyKey, email);
  if (!payload) return afterLostHandOver(deps, input, claimed.row);
  return deliver(deps, input, claimed.row, payload);
}

/**
 * The hand-over found the row no longer this claim's: erased while rendering (erasure renamed
 * the key), or decided by another attempt meanwhile — this one is an attempt Temporal gave up
 * on, and its retry settled, deferred or handed over the row. The row says what became of it.
 */
async function afterLostHandOver(deps: SendDeps, input: SendMessageInput, row: LedgerRow): Promise<SendOutcome> {
  const now = await findLedgerRow(deps.db, input.idempotencyKey);
  if (!now || now.id !== row.id) return { status: 'skipped', reason: 'erased' };
  return settledOutcome(now) ?? (now.delivery ? retryHandedOver(deps, input, now) : deliverPendingLater(now));
}

/**
 * Through a mailer in our own database (the outbox): stored and marked sent in one statement.
 * When that finds the row no longer ours to send, the row says what became of it.
 */
async function sendClaimed(
  deps: SendDeps,
  send: NonNullable<Mailer['sendClaimed']>,
  input: SendMessageInput,
  row: LedgerRow,
  email: ComposedEmail,
): Promise<SendOutcome> {
  const sent = await send({ messageId: row.id, idempotencyKey: input.idempotencyKey, links: email.links }, email.payload);
  if (sent) return { status: 'sent', messageId: row.id, providerMessageId: sent.providerMessageId };
  const now = await findLedgerRow(deps.db, input.idempotencyKey);
  // Erased while rendering: erasure renamed the row's key; nothing goes out or is written back.
  if (!now || now.id !== row.id) return { status: 'skipped', reason: 'erased' };
  return settledOutcome(now) ?? deliverPendingLater(now);
}

/**
 * A row the send path may decide afresh, as if it were new: deferred, or claimed by an attempt
 * that died before handing the email to the provider (so it certainly was not sent).
 * `upsertLedger`'s conflict clause says the same in SQL.
 */
function isUndecided(row: LedgerRow): boolean {
  return row.status === 'deferred' || (row.status === 'pending' && row.delivery === null);
}

function settledOutcome(row: LedgerRow): SendOutcome | undefined {
  if (row.status === 'sent') {
    return { status: 'sent', messageId: row.id, providerMessageId: row.provider_message_id ?? '' };
  }
  if (row.status === 'skipped') return { status: 'skipped', reason: row.skip_reason ?? 'skipped' };
  if (row.status === 'failed') return { status: 'failed', reason: row.skip_reason ?? 'failed' };
  if (row.status === 'unconfirmed') return { status: 'failed', reason: 'unconfirmed' };
  return undefined;
}

async function findLedgerRow(db: Pool | PoolClient, key: string): Promise<LedgerRow | undefined> {
  const { rows } = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM messages WHERE idempotency_key = $1`, [key]);
  return rows[0];
}

/**
 * Store the rendered email with the hand-over, in the statement that already records subject
 * and links. Only a row still claimed and never handed over is handed over: this statement does
 * not take the customer's lock, and an attempt Temporal gave up on (a zombie) may reach it after
 * its retry skipped, deferred or itself handed over the row. `coalesce` keeps stored bytes.
 */
async function handOver(db: Pool, id: number, key: string, email: ComposedEmail): Promise<EmailPayload | undefined> {
  const { rows } = await db.query<{ payload: EmailPayload }>(
    `UPDATE messages SET payload = coalesce(payload, $4), subject = coalesce(payload->>'subject', $2),
            links = CASE WHEN payload IS NULL THEN $3 ELSE links END, delivery = 'in_doubt', updated_at = now()
      WHERE id = $1 AND idempotency_key = $5 AND status = 'pending' AND delivery IS NULL RETURNING payload`,
    [id, email.payload.subject, JSON.stringify(email.links), JSON.stringify(email.payload), key],
  );
  return rows[0]?.payload;
}

interface ComposedEmail {
  payload: EmailPayload;
  links: string[];
}

interface Claimed {
  row: LedgerRow;
  customer: CustomerRow;
  /** the journey's data after the stock filter, with the issued coupon */
  data: Record<string, unknown>;
  /** the send as its A/B variant has it (template, offer) */
  input: SendMessageInput;
  /** the variant's subject line, when it has one */
  subject?: string;
}

/** The claim's write found the row decided meanwhile by an attempt outside the lock (upsertLedger). */
const DECIDED_MEANWHILE = Symbol('decided meanwhile');

async function claim(deps: SendDeps, requested: SendMessageInput): Promise<Claimed | SendOutcome | { handedOver: LedgerRow }> {
  const claimed = await claimUnderLock(deps, requested);
  if (claimed !== DECIDED_MEANWHILE) return claimed;
  // Settled or handed over since our read (only a claim makes a row undecided): take that path.
  const row = await findLedgerRow(deps.db, requested.idempotencyKey);
  if (!row) return { status: 'skipped', reason: 'erased' };
  return isUndecided(row) ? deliverPendingLater(row) : { handedOver: row };
}

async function claimUnderLock(
  deps: SendDeps,
  requested: SendMessageInput,
): Promise<Claimed | SendOutcome | { handedOver: LedgerRow } | typeof DECIDED_MEANWHILE> {
  const items = requested.promotes && Array.isArray(requested.data.items) ? (requested.data.items as { productId: string }[]) : undefined;
  // Read from a little before now: the rules' `now` is taken after the lock, and filter again.
  const recentSince = new Date(deps.now().getTime() - (deps.recentMarketingWindowMs ?? DEFAULT_RECENT_MARKETING_WINDOW_MS));
  const factsSql = claimFactsSql(LEDGER_COLUMN_LIST, requested, { recentSince, productIds: items?.map((i) => i.productId) });
  // The customer's lock serialises every send decision for one customer across workflows and
  // worker processes. Round trips: BEGIN + lock + every read (the ledger row, the customer, what
  // the guardrails and the stock filter need), then the ledger write + COMMIT.
  return withLockedReads(deps.db, `send:${requested.customerId}`, factsSql.sql, async (locked): Promise<Claimed | SendOutcome | { handedOver: LedgerRow } | typeof DECIDED_MEANWHILE> => {
    const { tx } = locked;
    // After the lock, in its own statement: its snapshot sees every claim committed before ours.
    const { ledger: again, customer, facts, inStock } = readClaimFacts<LedgerRow>(locked.first, recentSince);
    // Settled, or handed to the provider by an earlier attempt: decided after this commits.
    if (again && !isUndecided(again)) return { handedOver: again };
    // The A/B variant and the holdout group: a hash of the customer (activities/experiments.ts),
    // recorded on the row whatever happens to the message, so results count every recipient.
    const measured = await measureSend(tx, deps.measurement ?? NO_MEASUREMENT, requested);
    const input = withVariant(requested, measured);
    const upsert = (state: Parameters<typeof upsertLedger>[2]) => upsertLedger(locked, input, { ...state, measurement: measured });
    // A decision recorded, or the row's own fate when another attempt decided it meanwhile.
    const record = async (state: Parameters<typeof upsertLedger>[2], outcome: SendOutcome) =>
      (await upsert(state)) ? outcome : DECIDED_MEANWHILE;
    // Held out before any other check: the control group is every entrant the journey would
    // have mailed, eligible or not, like the treated group (consent, caps and stock apply to both).
    if (measured.holdoutGroup === 'control') {
      return record({ status: 'skipped', skipReason: 'holdout', to: customer?.email ?? null }, { status: 'skipped', reason: 'holdout' });
    }
    const now = deps.now();
    const verdict = await evaluateGuardrails({ tx, input, customer, now, facts }, deps.guardrails ?? defaultGuardrails);
    if (verdict.action === 'skip') {
      return record({ status: 'skipped', skipReason: verdict.reason, to: customer?.email ?? null }, { status: 'skipped', reason: verdict.reason });
    }
    if (verdict.action === 'defer') {
      return record(
        { status: 'deferred', skipReason: verdict.reason, to: customer?.email ?? null },
        { status: 'deferred', reason: verdict.reason, retryAt: verdict.until.toISOString() },
      );
    }

    let data = input.data;
    if (input.promotes) {
      const kept = keepInStock(data, inStock ?? new Set());
      if (!kept) {
        return record({ status: 'skipped', skipReason: 'out_of_stock', to: customer!.email }, { status: 'skipped', reason: 'out_of_stock' });
      }
      data = kept;
    }
    data = await withCoupon(tx, input, data, now, deps.maxCouponRedemptions);
    const couponCode = (data.coupon as { code?: string } | undefined)?.code ?? null;

    // The row id goes into the unsubscribe link: the row is claimed before rendering.
    const row = await upsert({ status: 'pending', skipReason: null, to: customer!.email, claimedAt: now, couponCode });
    if (!row) return DECIDED_MEANWHILE;
    return { row, customer: customer!, data, input, subject: measured.experiment?.variant.subject };
  }, { prepared: [factsSql.prepared, UPSERT_LEDGER] });
}

/** A concurrent attempt holds the row 'pending': let the activity retry and find it settled. */
function deliverPendingLater(row: LedgerRow): never {
  throw new Error(`message ${row.id} is being sent by another attempt`);
}

function emailContext(deps: SendDeps, input: SendMessageInput, customer: CustomerRow, messageId: number): EmailContext {
  const i18n = createI18n({
    customerLocale: customer.locale,
    shopLocale: deps.locales?.shopLocale,
    overrides: deps.locales?.overrides?.(),
  });
  return {
    shopName: deps.mail.shopName,
    shopUrl: deps.shopUrl,
    postalAddress: deps.mail.postalAddress,
    firstName: customer.first_name ?? undefined,
    i18n,
    locale: i18n.locale,
    repliesReachAPerson: Boolean(deps.mail.replyTo),
    marketingEmailsPerWeek: deps.mail.marketingEmailsPerWeek,
    attributes: customer.attributes ?? undefined,
    unsubscribeUrl:
      input.category === 'marketing'
        ? unsubscribeUrl(deps.publicUrl, deps.tokenSecret, linkHolder(customer), messageId)
        : undefined,
    keepSubscribedUrl:
      input.category === 'marketing'
        ? keepSubscribedUrl(deps.publicUrl, deps.tokenSecret, linkHolder(customer), messageId)
        : undefined,
  };
}

/**
 * A retry of a row already handed to the provider. In doubt, the provider may have mailed it:
 * only the same key with the same bytes may follow (the provider answers with the first
 * result). Refused, it certainly was not mailed: decide again under the lock first.
 */
async function retryHandedOver(deps: SendDeps, input: SendMessageInput, row: LedgerRow): Promise<SendOutcome> {
  if (row.delivery === 'refused') {
    const decided = await recheckAfterRefusal(deps, input, row);
    if ('status' in decided) return decided;
    return deliver(deps, input, row, decided.payload);
  }
  const claimedAt = row.claimed_at?.getTime() ?? 0;
  if (deps.now().getTime() - claimedAt > PROVIDER_IDEMPOTENCY_WINDOW_MS) {
    await settle(deps.db, row.id, 'unconfirmed', 'provider_window_passed');
    return { status: 'failed', reason: 'unconfirmed' };
  }
  return deliver(deps, input, row, row.payload ?? (await rerenderLegacy(deps, input, row)), { earlierAttemptInDoubt: true });
}

/**
 * After a definite refusal, the same checks a new send passes for permission — consent,
 * unsubscribe, suppression, erasure — plus the journey's exit, under the customer's lock. The
 * row keeps its frequency slot and its send window (it was due when it was claimed).
 */
async function recheckAfterRefusal(
  deps: SendDeps,
  input: SendMessageInput,
  row: LedgerRow,
): Promise<{ payload: EmailPayload } | SendOutcome> {
  const factsSql = claimFactsSql(LEDGER_COLUMN_LIST, input, {});
  return withLockedReads(deps.db, `send:${input.customerId}`, factsSql.sql, async (locked) => {
    const { tx } = locked;
    const { ledger: current, customer, facts } = readClaimFacts<LedgerRow>(locked.first, undefined);
    if (!current || current.status !== 'pending' || current.delivery !== 'refused') {
      return (current && settledOutcome(current)) ?? deliverPendingLater(row);
    }
    const verdict = await evaluateGuardrails({ tx, input, customer, now: deps.now(), facts }, [
      ...(deps.permissionGuardrails ?? permissionGuardrails),
      journeyExitSince(current.claimed_at),
    ]);
    if (verdict.action !== 'allow') {
      await settle(tx, row.id, 'skipped', verdict.reason);
      return { status: 'skipped', reason: verdict.reason };
    }
    await tx.query(`UPDATE messages SET delivery = 'in_doubt', updated_at = now() WHERE id = $1`, [row.id]);
    return { payload: current.payload! };
  }, { prepared: [factsSql.prepared] });
}

/** A journey that ends on an order: an order placed since the message was claimed is its exit. */
function journeyExitSince(claimedAt: Date | null): Guardrail {
  return async ({ tx, input }) => {
    if (!input.endsOnOrder || !claimedAt) return { action: 'allow' };
    const ordered = await tx.query('SELECT 1 FROM orders WHERE customer_id = $1 AND placed_at >= $2 LIMIT 1', [
      input.customerId,
      claimedAt,
    ]);
    return ordered.rowCount ? { action: 'skip', reason: 'exit_event_before_retry' } : { action: 'allow' };
  };
}

/**
 * `earlierAttemptInDoubt`: a previous attempt was handed over and its answer is unknown. A
 * refusal of this attempt (429) then says nothing about that one, which the provider may have
 * accepted: the row stays in doubt, and the next retry sends the same key and bytes again.
 */
async function deliver(
  deps: SendDeps,
  input: SendMessageInput,
  row: LedgerRow,
  payload: EmailPayload,
  options: { earlierAttemptInDoubt?: boolean } = {},
): Promise<SendOutcome> {
  try {
    const { providerMessageId } = await deps.mailer.send({ ...payload, idempotencyKey: input.idempotencyKey });
    await markSent(deps.db, row.id, providerMessageId);
    return { status: 'sent', messageId: row.id, providerMessageId };
  } catch (err) {
    if (err instanceof IdempotencyKeyUsedError) {
      // The provider holds an earlier attempt under this key (with other bytes): it was mailed.
      await markSent(deps.db, row.id, null);
      return { status: 'sent', messageId: row.id, providerMessageId: '' };
    }
    if (err instanceof PermanentSendError) {
      await settle(deps.db, row.id, 'failed', `provider_rejected: ${err.message}`.slice(0, 500));
      return { status: 'failed', reason: 'provider_rejected' };
    }
    if (err instanceof ProviderRefusedError && options.earlierAttemptInDoubt) {
      await deps.db.query(`UPDATE messages SET skip_reason = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`, [
        row.id,
        err.message.slice(0, 500),
      ]);
      throw err;
    }
    if (err instanceof ProviderRefusedError) {
      const { rows } = await deps.db.query<{ refusals: number }>(
        `UPDATE messages SET delivery = 'refused', refusals = refusals + 1, skip_reason = $2, updated_at = now()
          WHERE id = $1 AND status = 'pending' RETURNING refusals`,
        [row.id, err.message.slice(0, 500)],
      );
      if ((rows[0]?.refusals ?? 0) >= MAX_PROVIDER_REFUSALS[input.category]) {
        await settle(deps.db, row.id, 'failed', 'provider_unavailable');
        return { status: 'failed', reason: 'provider_unavailable' };
      }
    }
    throw err;
  }
}

async function markSent(db: Pool, id: number, providerMessageId: string | null): Promise<void> {
  await db.query(
    `UPDATE messages SET status = 'sent', provider_message_id = $2, skip_reason = NULL, delivery = NULL, payload = NULL,
            sent_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'pending'`,
    [id, providerMessageId],
  );
}

/**
 * A row handed over before the ledger stored payloads: rebuild it from the same data, coupon
 * and links, as the code of that time did.
 */
async function rerenderLegacy(deps: SendDeps, input: SendMessageInput, row: LedgerRow): Promise<EmailPayload> {
  const customer = await loadCustomer(deps.db, input.customerId);
  const to = row.to_email ?? customer?.email;
  if (!customer || !to) {
    await settle(deps.db, row.id, 'failed', 'no_email');
    throw ApplicationFailure.nonRetryable('recipient vanished while sending', 'RecipientGone');
  }
  let data = input.data;
  if (input.promotes) data = (await keepInStockItems(deps.db, data)) ?? data;
  data = await withCoupon(deps.db, input, data, deps.now(), deps.maxCouponRedemptions);
  return (await composeEmail(deps, input, customer, to, row.id, data)).payload;
}

/** Render the message and the headers that go with it (one-click unsubscribe for marketing). */
async function composeEmail(
  deps: SendDeps,
  input: SendMessageInput,
  customer: CustomerRow,
  to: string,
  messageId: number,
  data: Record<string, unknown>,
  subject?: string,
): Promise<ComposedEmail> {
  const context = emailContext(deps, input, customer, messageId);
  const rendered = addTracking(
    await renderTemplate(input.template as TemplateName, { ...data, context } as TemplateProps[TemplateName]),
    { publicUrl: deps.publicUrl, secret: deps.tokenSecret, holder: linkHolder(customer), messageId },
  );
  const headers: Record<string, string> = {};
  if (context.unsubscribeUrl) {
    headers['List-Unsubscribe'] = `<${context.unsubscribeUrl}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  const payload: EmailPayload = {
    to,
    from: deps.mail.from,
    subject: subject ?? rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers,
    ...(deps.mail.replyTo ? { replyTo: deps.mail.replyTo } : {}),
    tags: [
      { name: 'journey', value: tagValue(input.journey) },
      { name: 'step', value: tagValue(input.step) },
    ],
  };
  return { payload, links: rendered.links };
}

/** Links in the email are bound to this address and the customer's link epoch. */
function linkHolder(customer: CustomerRow): LinkHolder {
  return { customerId: customer.id, email: customer.email, epoch: customer.link_epoch ?? 0 };
}

async function loadCustomer(db: Pool | PoolClient, customerId: string): Promise<CustomerRow | undefined> {
  const { rows } = await db.query<CustomerRow>(`${CUSTOMER_SELECT} WHERE c.id = $1`, [customerId]);
  return rows[0];
}

/** The journey's data with the coupon it asked for (issued once per coupon key, then reused). */
async function withCoupon(
  db: Pool | PoolClient,
  input: SendMessageInput,
  data: Record<string, unknown>,
  now: Date,
  maxRedemptions?: (journey: string) => number,
): Promise<Record<string, unknown>> {
  if (!input.coupon) return data;
  const coupon = await issueCoupon(
    db,
    { ...input.coupon, customerId: input.customerId, journey: input.journey, maxRedemptions: maxRedemptions?.(input.journey) },
    now,
  );
  return { ...data, coupon };
}

/** End a pending row that was not (or may not have been) mailed; the payload is kept only while in doubt. A settled row stays as it is. */
async function settle(
  db: Pool | PoolClient,
  id: number,
  status: 'failed' | 'skipped' | 'unconfirmed',
  reason: string,
): Promise<void> {
  await db.query(
    `UPDATE messages SET status = $2, skip_reason = $3, delivery = NULL,
            payload = CASE WHEN $2 = 'unconfirmed' THEN payload END, updated_at = now()
      WHERE id = $1 AND status = 'pending'`,
    [id, status, reason],
  );
}

/** Drop the products not in `inStock` from `data.items`; undefined when nothing is left to show. */
function keepInStock(data: Record<string, unknown>, inStock: Set<string>): Record<string, unknown> | undefined {
  const items = Array.isArray(data.items) ? (data.items as { productId: string }[]) : [];
  const kept = items.filter((i) => inStock.has(i.productId));
  return kept.length ? { ...data, items: kept } : undefined;
}

/** Drop sold-out products from `data.items`, as they are now; undefined when nothing is left to show. */
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

/**
 * The ledger row written and the claim committed, in one round trip; undefined when the row is
 * no longer undecided. The claim read it undecided under the customer's lock, but the hand-over
 * and "sent" of an attempt Temporal gave up on (still running) do not take that lock: a row
 * such an attempt handed over or sent meanwhile keeps what it says, never overwritten by this
 * decision (a deferral over "sent" would mail it again once the provider forgot the key).
 */
async function upsertLedger(
  locked: LockedReads,
  input: SendMessageInput,
  state: {
    status: LedgerRow['status'];
    skipReason: string | null;
    to: string | null;
    claimedAt?: Date;
    couponCode?: string | null;
    measurement?: SendMeasurement;
  },
): Promise<LedgerRow | undefined> {
  const experiment = state.measurement?.experiment;
  const values = [
    literal(input.idempotencyKey),
    literal(input.workflowId),
    literal(input.journey),
    literal(input.step),
    literal(input.customerId),
    literal(input.template),
    literal(input.category),
    literal(state.to),
    literal(state.status),
    literal(state.skipReason),
    literal(state.claimedAt),
    literal(state.couponCode),
    literal(experiment?.id),
    literal(experiment?.variant.name),
    literal(experiment?.phase),
    literal(state.measurement?.holdoutGroup),
  ];
  const { rows } = await locked.commitWith(executeSql(UPSERT_LEDGER, values));
  return rows[0] as LedgerRow | undefined;
}

// claimed_at (send-path clock) is what the frequency cap counts: a 'pending' row holds its slot.
const UPSERT_LEDGER = preparedStatement(
  'upsert_ledger',
  ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'text'],
  `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, to_email, status, skip_reason, claimed_at, coupon_code,
                         experiment_id, variant, variant_phase, holdout_group)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
   ON CONFLICT (idempotency_key) DO UPDATE
     SET status = EXCLUDED.status, skip_reason = EXCLUDED.skip_reason, to_email = EXCLUDED.to_email,
         claimed_at = EXCLUDED.claimed_at, coupon_code = coalesce(EXCLUDED.coupon_code, messages.coupon_code),
         template = EXCLUDED.template, experiment_id = EXCLUDED.experiment_id, variant = EXCLUDED.variant,
         variant_phase = EXCLUDED.variant_phase, holdout_group = EXCLUDED.holdout_group, updated_at = now()
     WHERE messages.status = 'deferred' OR (messages.status = 'pending' AND messages.delivery IS NULL)
   RETURNING ${LEDGER_COLUMNS}`,
);

/** Resend tags allow ASCII letters, digits, underscores and dashes only. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
}
