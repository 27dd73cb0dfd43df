import type { Pool } from 'pg';
import type { FakeResend, ReceivedEmail } from '../../test/helpers/fake-resend';
import { deadLetterColumns, notDeadLetteredClause } from './dead-letters';
import type { FaultRecord } from './processes';
import type { ShopClient } from './shop-client';
import { expectedMail, mailKey, type Shopper } from './shoppers';

export interface Verdict {
  /** label → value, in print order; a row whose label is in `violations` failed */
  rows: [string, string | number][];
  violations: string[];
  /** the first cases of each violation, for the person reading the run */
  details: string[];
  ok: boolean;
}

const isMarketing = (m: ReceivedEmail) => Boolean(m.body.headers?.['List-Unsubscribe']);

/**
 * The end-of-run checks, from the fake provider's own record of accepted emails and from
 * Postgres — never from what the app says about itself.
 */
export async function verify(input: {
  shoppers: Shopper[];
  resend: FakeResend;
  client: ShopClient;
  db: Pool;
  faults: FaultRecord[];
  sendRatePerSecond: number;
  /** crashes of the app processes nobody killed */
  crashes: string[];
}): Promise<Verdict> {
  const { shoppers, resend, client, db, faults } = input;
  const rows: Verdict['rows'] = [];
  const violations: string[] = [];
  const details: string[] = [];
  const check = (label: string, value: number, detail: string[] = []) => {
    rows.push([label, value]);
    if (value > 0) {
      violations.push(label);
      details.push(...detail.slice(0, 10).map((d) => `${label.trim()}: ${d}`));
    }
  };
  const info = (label: string, value: string | number) => rows.push([label, value]);

  // --- emails, per customer, against what each had to receive
  const byRecipient = new Map<string, ReceivedEmail[]>();
  for (const m of resend.emails) for (const to of m.body.to) byRecipient.set(to, [...(byRecipient.get(to) ?? []), m]);
  let expected = 0;
  let once = 0;
  const missing: string[] = [];
  const duplicated: string[] = [];
  const unexpected: string[] = [];
  const cartAfterOrder: string[] = [];
  const afterUnsubscribe: string[] = [];
  const withoutConsent: string[] = [];
  const staleCart: string[] = [];
  const stuck: string[] = [];
  for (const s of shoppers) {
    const got = byRecipient.get(s.email) ?? [];
    const want = new Set<string>(expectedMail(s));
    if (s.stuck) {
      // Its script stopped at the step it names (that is the violation); what it would have
      // received after that step is unknown, but nothing may have come twice.
      stuck.push(`${s.id} (${s.cohort}): ${s.stuck}`);
      for (const key of new Set(got.map(mailKey))) {
        const n = got.filter((m) => mailKey(m) === key).length;
        if (n > 1) duplicated.push(`${s.id} got ${key} ${n} times`);
      }
      continue;
    }
    for (const key of want) {
      expected++;
      const n = got.filter((m) => mailKey(m) === key).length;
      if (n === 1) once++;
      else if (n === 0) missing.push(`${s.id} (${s.cohort}) never got ${key}`);
      else duplicated.push(`${s.id} got ${key} ${n} times`);
    }
    for (const m of got) {
      const key = mailKey(m);
      if (!want.has(key)) unexpected.push(`${s.id} (${s.cohort}) got ${key}`);
      if (s.cohort === 'cart-buyer' && key.startsWith('abandoned-cart/')) cartAfterOrder.push(`${s.id} got ${key} after ordering`);
      if (s.unsubscribedAt !== undefined && isMarketing(m) && m.receivedAt > s.unsubscribedAt) {
        afterUnsubscribe.push(`${s.id} got ${key} ${m.receivedAt - s.unsubscribedAt} ms after unsubscribing`);
      }
      if (['back-in-stock', 'consent-reversed'].includes(s.cohort) && isMarketing(m)) withoutConsent.push(`${s.id} (${s.cohort}) got ${key}`);
      if (key.startsWith('abandoned-cart/') && s.cartHidden && (m.body.html.includes(s.cartHidden) || !m.body.html.includes(s.cartShown!))) {
        staleCart.push(`${s.id}'s ${key} shows the older cart`);
      }
    }
  }
  info('customers', shoppers.length);
  info('emails expected (customers whose script ran to its end)', expected);
  info('  arrived exactly once', once);
  check('  missing', missing.length, missing);
  check('  duplicated', duplicated.length, duplicated);
  check('unexpected emails', unexpected.length, unexpected);
  check('  cart reminder after an order', cartAfterOrder.length, cartAfterOrder);
  check('  marketing after an unsubscribe', afterUnsubscribe.length, afterUnsubscribe);
  check('  marketing without consent', withoutConsent.length, withoutConsent);
  check('  cart reminder with the older cart', staleCart.length, staleCart);
  check('shoppers stuck (a step could not be played)', stuck.length, stuck);

  // --- events: every 202 is stored, then dispatched or dead-lettered with a reason
  const accepted = [...client.accepted];
  const columns = await deadLetterColumns(db);
  const { rows: stored } = await db.query<{ id: string; dispatched: boolean; dead: boolean; reason: string | null }>(
    `SELECT id, dispatched_at IS NOT NULL AS dispatched, ${columns.marker ? `${columns.marker} IS NOT NULL` : 'false'} AS dead,
            ${columns.reason} AS reason
       FROM events WHERE id = ANY($1)`,
    [accepted],
  );
  const storedIds = new Set(stored.map((r) => r.id));
  const lost = accepted.filter((id) => !storedIds.has(id));
  const dead = stored.filter((r) => !r.dispatched && r.dead);
  const deadWithoutReason = dead.filter((r) => !r.reason);
  const undispatched = stored.filter((r) => !r.dispatched && !r.dead);
  info('events answered 202 (distinct ids)', accepted.length);
  info('  stored', stored.length);
  check('  lost (answered 202, not stored)', lost.length, lost);
  info('  dispatched', stored.filter((r) => r.dispatched).length);
  info('  dead-lettered', dead.length);
  check('  dead-lettered without a reason', deadWithoutReason.length, deadWithoutReason.map((r) => r.id));
  check('  neither dispatched nor dead-lettered', undispatched.length, undispatched.map((r) => `${r.id}: ${r.reason ?? 'no error recorded'}`));
  const { rows: backlog } = await db.query<{ events: number; sends: number }>(
    `SELECT (SELECT count(*) FROM events WHERE dispatched_at IS NULL ${await notDeadLetteredClause(db)}) AS events,
            (SELECT count(*) FROM messages WHERE status IN ('pending', 'deferred')) AS sends`,
  );
  check('relay backlog at the end', Number(backlog[0].events));
  check('sends pending or deferred at the end', Number(backlog[0].sends));
  check('API rejected good input (4xx)', client.rejected.length, client.rejected.map((r) => `${r.path} ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`));

  // --- the send ledger against the provider's record
  const keys = resend.emails.map((m) => m.idempotencyKey).filter((k): k is string => Boolean(k));
  const { rows: ledger } = await db.query<{ idempotency_key: string; status: string; skip_reason: string | null }>(
    `SELECT idempotency_key, status, skip_reason FROM messages WHERE idempotency_key = ANY($1)`,
    [keys],
  );
  const ledgerByKey = new Map(ledger.map((r) => [r.idempotency_key, r]));
  const notSent = keys.filter((k) => ledgerByKey.get(k)?.status !== 'sent');
  check('accepted by the provider, ledger not "sent"', notSent.length, notSent.map((k) => `${k}: ${ledgerByKey.get(k)?.status ?? 'no row'} ${ledgerByKey.get(k)?.skip_reason ?? ''}`));
  check('idempotency key reused with a different body (409)', resend.counts.bodyMismatch);

  // --- the faults and what they showed
  const count = (re: RegExp) => faults.filter((f) => re.test(f.what)).length;
  info('worker SIGKILLs (each restarted)', count(/^SIGKILL worker/));
  info('API SIGKILLs (restarted)', count(/^SIGKILL api/));
  info('Temporal dev server restarts', count(/^restart Temporal/));
  info('Postgres connection cuts', count(/^pg_terminate/));
  check('app processes that crashed by themselves (restarted)', input.crashes.length, input.crashes);
  const failed = faults.filter((f) => / FAILED: /.test(f.what));
  check('faults that could not be injected', failed.length, failed.map((f) => f.what));
  for (const f of faults.filter((x) => /^SIGTERM/.test(x.what))) {
    const e = f.exit;
    const clean = e && e.code === 0 && e.afterMs < 35_000;
    info(`${f.what.replace('SIGTERM ', '')} SIGTERM → exit`, e ? `code ${e.code ?? e.signal} after ${(e.afterMs / 1000).toFixed(1)} s` : 'not run');
    check(`  ${f.what.replace('SIGTERM ', '')} did not stop cleanly`, clean ? 0 : 1, [JSON.stringify(e)]);
  }
  info('  requests in flight at the API SIGTERM answered', client.stats.inFlightAtSigterm.answered);
  check('  requests in flight at the API SIGTERM cut off', client.stats.inFlightAtSigterm.cut, client.stats.inFlightAtSigterm.cutDetails);
  info('client retries (other replica / later)', client.stats.retried);
  info('  of which connection refused', client.stats.refused);
  info('  of which cut mid-request', [...client.stats.cutOff.values()].reduce((a, b) => a + b, 0));

  // --- the provider
  const c = resend.counts;
  info('provider requests', c.requests);
  info('  accepted', c.accepted);
  info('  429 / 500 / 409 / accepted-then-hung', `${c.rateLimited} / ${c.serverError} / ${c.conflict} / ${c.hung}`);
  info('  replayed by idempotency key', c.replayed);
  const peak = resend.peakRequests(5_000) / 5;
  info('peak provider requests per second (5 s window)', `${peak.toFixed(1)} (limit ${input.sendRatePerSecond})`);
  // The server's limiter lets short bursts through; over five seconds it must hold.
  check('  sends over the rate limit', peak > input.sendRatePerSecond * 1.5 ? 1 : 0, [`${peak.toFixed(1)}/s`]);

  return { rows, violations, details, ok: violations.length === 0 };
}

export function formatTable(verdict: Verdict): string {
  const failed = new Set(verdict.violations);
  const width = Math.max(...verdict.rows.map(([label]) => label.length));
  const lines = verdict.rows.map(([label, value]) => `${failed.has(label) ? '✗' : ' '} ${label.padEnd(width)}  ${value}`);
  return lines.join('\n');
}
