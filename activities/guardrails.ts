import type { PoolClient } from 'pg';
import type { SendMessageInput, SkipReason } from './types';

/**
 * The checks every send passes at send time, in one place for every journey. Each rule sees
 * the customer as stored *now* (consent withdrawn an hour ago counts) and answers allow,
 * skip (with a reason) or defer (until a time).
 */
export interface CustomerRow {
  id: string;
  email: string | null;
  first_name: string | null;
  timezone: string | null;
  locale: string | null;
  marketing_consent: boolean;
  unsubscribed_at: Date | null;
  unengaged_at: Date | null;
  erased_at: Date | null;
}

export type Verdict =
  | { action: 'allow' }
  | { action: 'skip'; reason: SkipReason }
  | { action: 'defer'; reason: SkipReason | 'quiet_hours'; until: Date };

export interface GuardrailContext {
  tx: PoolClient;
  input: SendMessageInput;
  customer: CustomerRow | undefined;
  now: Date;
}

export type Guardrail = (ctx: GuardrailContext) => Promise<Verdict> | Verdict;

const allow: Verdict = { action: 'allow' };

/** Rules for every message, transactional included. */
const deliverable: Guardrail = async ({ tx, customer }) => {
  if (!customer || customer.erased_at) return { action: 'skip', reason: customer ? 'erased' : 'no_email' };
  if (!customer.email) return { action: 'skip', reason: 'no_email' };
  const suppressed = await tx.query('SELECT 1 FROM suppressions WHERE email = lower($1)', [customer.email]);
  if (suppressed.rowCount) return { action: 'skip', reason: 'suppressed' };
  return allow;
};

/** Marketing mail needs explicit consent and an engaged, subscribed customer. */
const marketingPermission: Guardrail = ({ input, customer }) => {
  if (input.category !== 'marketing' || !customer) return allow;
  if (customer.unsubscribed_at) return { action: 'skip', reason: 'unsubscribed' };
  if (!customer.marketing_consent) return { action: 'skip', reason: 'no_consent' };
  if (customer.unengaged_at) return { action: 'skip', reason: 'unengaged' };
  return allow;
};

/** Evaluated in order; the first rule that does not allow decides. */
export const guardrails: Guardrail[] = [deliverable, marketingPermission];

export async function evaluateGuardrails(ctx: GuardrailContext, rules: Guardrail[] = guardrails): Promise<Verdict> {
  for (const rule of rules) {
    const verdict = await rule(ctx);
    if (verdict.action !== 'allow') return verdict;
  }
  return allow;
}
