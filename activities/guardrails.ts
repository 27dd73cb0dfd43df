import type { PoolClient } from 'pg';
import type { JourneysConfig } from '../config/journeys';
import { defaultJourneysConfig, enabledByDefault } from '../config/journeys';
import { toMs } from '../shared/durations';
import { quietWindowEnd, resolveTimezone } from './local-time';
import { inAudience as matchesAudience } from '../shared/audiences';
import type { SendMessageInput, SkipReason } from './types';

/**
 * The checks every send passes at send time, in one place for every journey. Each rule sees
 * the customer as stored *now* (consent withdrawn an hour ago counts) and answers allow,
 * skip (with a reason) or defer (until a time).
 *
 * The send path evaluates them inside the transaction that holds the customer's advisory lock
 * and then claims the ledger row, so a rule that counts earlier sends (the frequency cap) sees
 * every concurrent claim of the same customer, across journeys and worker processes.
 */
export interface CustomerRow {
  id: string;
  email: string | null;
  first_name: string | null;
  timezone: string | null;
  locale: string | null;
  /** custom profile attributes, for personalisation (absent where a caller does not read them) */
  attributes?: Record<string, string | number | boolean> | null;
  marketing_consent: boolean;
  unsubscribed_at: Date | null;
  /** another customer id with the same address unsubscribed (the unsubscribe covers the address) */
  address_unsubscribed: boolean;
  unengaged_at: Date | null;
  erased_at: Date | null;
  /** bumped by erasure; links in emails carry it */
  link_epoch?: number;
}

export type Verdict =
  | { action: 'allow' }
  | { action: 'skip'; reason: SkipReason }
  | { action: 'defer'; reason: SkipReason | 'quiet_hours'; until: Date };

/**
 * What the rules read besides the customer, loaded by the send path in the statement that
 * reads the ledger row and the customer under the lock (activities/send-facts.ts): one round
 * trip for every rule instead of one each.
 */
export interface SendFacts {
  /** journey_controls.paused; null when the shop never switched the journey (its config default applies) */
  journeyPaused: boolean | null;
  /** the customer's address is on the suppression list */
  suppressed: boolean;
  /**
   * When the customer's other marketing messages were claimed or sent ('sent' and 'pending'
   * rows, this key excluded), oldest first, from `since` on. Absent for transactional mail.
   */
  recentMarketing?: { since: Date; at: Date[] };
}

export interface GuardrailContext {
  tx: PoolClient;
  input: SendMessageInput;
  customer: CustomerRow | undefined;
  now: Date;
  facts: SendFacts;
}

export type Guardrail = (ctx: GuardrailContext) => Promise<Verdict> | Verdict;

export type GuardrailsConfig = JourneysConfig['guardrails'];

const allow: Verdict = { action: 'allow' };

/**
 * The shop's run-time switch (POST /v1/journeys/:name/pause): a paused journey's sends are
 * skipped, whatever their category — a transactional journey is only paused when the shop
 * forced it. Read in the claim's transaction, so a pause applies to the very next send.
 */
function journeyNotPaused(config: JourneysConfig): Guardrail {
  return ({ input, facts }) => {
    const paused = facts.journeyPaused ?? !enabledByDefault(config, input.journey);
    return paused ? { action: 'skip', reason: 'journey_paused' } : allow;
  };
}

/** Rules for every message, transactional included. */
const deliverable: Guardrail = ({ customer, facts }) => {
  if (!customer || customer.erased_at) return { action: 'skip', reason: customer ? 'erased' : 'no_email' };
  if (!customer.email) return { action: 'skip', reason: 'no_email' };
  if (facts.suppressed) return { action: 'skip', reason: 'suppressed' };
  return allow;
};

/** Marketing mail needs explicit consent and an engaged, subscribed customer. */
const marketingPermission: Guardrail = ({ input, customer }) => {
  if (input.category !== 'marketing' || !customer) return allow;
  if (customer.unsubscribed_at || customer.address_unsubscribed) return { action: 'skip', reason: 'unsubscribed' };
  if (!customer.marketing_consent) return { action: 'skip', reason: 'no_consent' };
  if (customer.unengaged_at) return { action: 'skip', reason: 'unengaged' };
  return allow;
};

/**
 * A step's audience (config `stepAudiences`), read now: the customer's attributes as stored at
 * send time, not when the journey started. Outside it the message is skipped and logged.
 */
function inStepAudience(config: JourneysConfig): Guardrail {
  return ({ input, customer }) => {
    const audience = config.stepAudiences?.[input.journey]?.[input.step];
    if (!audience || input.category !== 'marketing' || !customer) return allow;
    return matchesAudience(audience, customer.attributes) ? allow : { action: 'skip', reason: 'outside_audience' };
  };
}

/**
 * An 'immediate' step (the answer to the customer's own action) skips this rule and the cap.
 * Marketing mail waits out the night in the customer's zone (unknown zone → the configured
 * default). Checked before the cap so a deferred message does not hold a slot while it waits.
 */
function quietHours(config: GuardrailsConfig): Guardrail {
  return ({ input, customer, now }) => {
    if (input.category !== 'marketing' || input.sendWindow === 'immediate') return allow;
    const zone = resolveTimezone(customer?.timezone, config.defaultTimezone);
    const until = quietWindowEnd(now, zone, { start: config.quietHoursStart, end: config.quietHoursEnd });
    return until ? { action: 'defer', reason: 'quiet_hours', until } : allow;
  };
}

/**
 * "Smart sending": at most N marketing emails per customer per window. Counts rows already
 * sent and rows claimed 'pending' by a concurrent send that has not reached the provider yet —
 * the advisory lock makes the count and our own claim one atomic step.
 */
function frequencyCap(config: GuardrailsConfig): Guardrail {
  const windowMs = toMs(config.frequencyCapWindow);
  return async ({ tx, input, now, facts }) => {
    if (input.category !== 'marketing' || input.sendWindow === 'immediate') return allow;
    const since = new Date(now.getTime() - windowMs);
    // The claim read them under the lock; a read that did not reach back this far is made now.
    const loaded = facts.recentMarketing;
    const rows =
      loaded && loaded.since <= since
        ? loaded.at.filter((at) => at > since)
        : await recentMarketingSends(tx, input, since);
    if (rows.length < config.frequencyCapCount) return allow;
    if (input.onCap === 'skip') return { action: 'skip', reason: 'frequency_cap' };
    // The slot frees when enough of the counted sends have left the window.
    const freeing = rows[rows.length - config.frequencyCapCount];
    return { action: 'defer', reason: 'frequency_cap', until: new Date(freeing.getTime() + windowMs) };
  };
}

async function recentMarketingSends(tx: PoolClient, input: SendMessageInput, since: Date): Promise<Date[]> {
  const { rows } = await tx.query<{ at: Date }>(
    `SELECT coalesce(claimed_at, sent_at) AS at FROM messages
      WHERE customer_id = $1 AND category = 'marketing' AND status IN ('sent', 'pending')
        AND idempotency_key <> $2 AND coalesce(claimed_at, sent_at) > $3
      ORDER BY at`,
    [input.customerId, input.idempotencyKey, since],
  );
  return rows.map((r) => r.at);
}

/**
 * Whether the customer may get this message at all, regardless of when: what a retry after a
 * provider refusal checks again (its send window and frequency slot were settled at the claim).
 */
export function createPermissionGuardrails(config: Partial<JourneysConfig> = defaultJourneysConfig): Guardrail[] {
  const journeys = { ...defaultJourneysConfig, ...config };
  return [journeyNotPaused(journeys), deliverable, marketingPermission, inStepAudience(journeys)];
}
export const permissionGuardrails: readonly Guardrail[] = createPermissionGuardrails();

/**
 * The rules in order; the first that does not allow decides. `journeys`: the whole journeys
 * config, for each journey's `enabled` default (the guardrails section alone: all enabled).
 */
export function createGuardrails(
  config: GuardrailsConfig = defaultJourneysConfig.guardrails,
  journeys: Partial<JourneysConfig> = defaultJourneysConfig,
): Guardrail[] {
  return [...createPermissionGuardrails(journeys), quietHours(config), frequencyCap(config)];
}

export const guardrails: Guardrail[] = createGuardrails();

export async function evaluateGuardrails(ctx: GuardrailContext, rules: Guardrail[] = guardrails): Promise<Verdict> {
  for (const rule of rules) {
    const verdict = await rule(ctx);
    if (verdict.action !== 'allow') return verdict;
  }
  return allow;
}
