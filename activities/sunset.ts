import { createHmac } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Duration } from '@temporalio/common';
import { toMs } from '../shared/durations';
import type { JourneysConfig } from '../config/journeys';
import { withTransaction } from '../db/transaction';
import { CUSTOMER_LAPSED, type CustomerLapsedEvent } from '../ingest/lapsed-events';
import { journeyControl } from './journey-controls';
import { lastEngagedAtSql } from './engagement';

/**
 * Finding lapsed marketing recipients, for the sunset journey (workflows/sunset.ts) and its sweep
 * (workflows/sunset-sweep.ts).
 *
 * A recipient is lapsed when, at the pass's reference time, they
 *   - may get marketing at all: consent, not unsubscribed (customer or address), not suppressed,
 *     not erased, not unengaged already;
 *   - have received marketing mail;
 *   - showed no sign of life (activities/engagement.ts, the one definition of "engaged") for
 *     `sunset.after`, counted from the latest of their last engagement, their first marketing
 *     email and their consent — so a new subscriber or a fresh re-consent is never "lapsed";
 *   - are not inside win-back's own sunset: no win-back email sent within win-back's
 *     `secondAfter + sunsetAfter` (that journey asks, and marks, on its own).
 * `lapsed_since` names the lapse: one sunset journey per customer and lapse, ever (the event id).
 * It is cut to milliseconds, as JavaScript dates hold it, so the lapse reads the same in every pass.
 */
function lapsedRecipientsSql(scope: string): string {
  return `
    SELECT c.id, date_trunc('milliseconds', greatest(${lastEngagedAtSql('c.id')}, c.consent_at, first_mail.at)) AS lapsed_since
      FROM ${scope}
     CROSS JOIN LATERAL (
       SELECT min(sent_at) AS at FROM messages m WHERE m.customer_id = c.id AND m.category = 'marketing' AND m.status = 'sent'
     ) AS first_mail
     WHERE c.erased_at IS NULL AND c.email IS NOT NULL AND c.marketing_consent AND c.unsubscribed_at IS NULL
       AND c.unengaged_at IS NULL AND first_mail.at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM address_unsubscribes a WHERE a.email = lower(c.email))
       AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(c.email))
       AND NOT EXISTS (
         SELECT 1 FROM messages w WHERE w.customer_id = c.id AND w.journey = 'win-back' AND w.status = 'sent' AND w.sent_at > $win_back_since
       )`;
}

/** A bounded window of customers in id order, after the cursor: the sweep's unit of work. */
const SWEEP_BATCH = `
  WITH scanned AS (SELECT id FROM customers WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2),
       lapsed AS (${lapsedRecipientsSql('scanned JOIN customers c ON c.id = scanned.id').replace('$win_back_since', '$3')})
  SELECT (SELECT count(*) FROM scanned)::int AS scanned, (SELECT max(id) FROM scanned) AS last_id,
         coalesce((SELECT json_agg(json_build_object('id', id, 'since', lapsed_since)) FROM lapsed WHERE lapsed_since <= $4), '[]') AS lapsed`;

const ONE_RECIPIENT = `${lapsedRecipientsSql('customers c').replace('$win_back_since', '$2')} AND c.id = $1`;

export interface SweepBatch {
  /** customers read in this batch */
  scanned: number;
  /** customers found lapsed and handed to a sunset journey now (not before) */
  handedOver: number;
  /** where the next batch starts; null: the pass is over */
  next: string | null;
  /** the journey is paused: the pass does nothing (a resumed journey finds them at the next pass) */
  paused: boolean;
  /** the sweep's own rhythm and its daily share, as the configuration says now */
  sweepEvery: Duration;
  maxPerPass: number;
}

/** The cut-offs of a pass at `passAt`: lapsed before this, win-back's sunset since that. */
function cutoffs(config: JourneysConfig, passAt: number) {
  const winBackSunset = toMs(config.winBack.secondAfter) + toMs(config.winBack.sunsetAfter);
  return {
    lapsedBefore: new Date(passAt - toMs(config.sunset.after)).toISOString(),
    winBackSince: new Date(passAt - winBackSunset).toISOString(),
  };
}

/**
 * One batch of the sweep: read the next `sunset.sweepBatchSize` customers after `after`, and for
 * each lapsed one store a `customer.lapsed` event, which the relay delivers like any event (in
 * the customer's order, after a Temporal outage too) and which starts `sunset/<customerId>`. The
 * event id names the customer and the lapse, so a retried batch, an overlapping pass or the next
 * day's pass never starts a second journey for the same lapse.
 */
/**
 * Stores events in the event store and the dispatch queue (ingest/store.ts `enqueueEvents`),
 * handed in by the worker: activities do not import the ingest side (and its routing table,
 * which imports the workflows).
 */
export type EnqueueEvents = (tx: Pick<PoolClient, 'query'>, events: CustomerLapsedEvent[]) => Promise<Set<string>>;

export async function sweepLapsedRecipients(
  db: Pool,
  config: JourneysConfig,
  enqueueEvents: EnqueueEvents,
  /** PSEUDONYM_SECRET: keys the lapse's event id (see lapsedEvent) */
  pseudonymSecret: string,
  input: { after: string | null; passAt: string },
): Promise<SweepBatch> {
  const { sweepEvery, maxPerPass } = config.sunset;
  if ((await journeyControl(db, config, 'sunset')).paused) return { scanned: 0, handedOver: 0, next: null, paused: true, sweepEvery, maxPerPass };
  const limit = config.sunset.sweepBatchSize;
  const { lapsedBefore, winBackSince } = cutoffs(config, Date.parse(input.passAt));
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ scanned: number; last_id: string | null; lapsed: { id: string; since: string }[] }>(SWEEP_BATCH, [
      input.after,
      limit,
      winBackSince,
      lapsedBefore,
    ]);
    const { scanned, last_id, lapsed } = rows[0];
    const stored = lapsed.length ? await enqueueEvents(tx, lapsed.map((r) => lapsedEvent(pseudonymSecret, r.id, new Date(r.since).toISOString(), input.passAt))) : new Set();
    return { scanned, handedOver: stored.size, next: scanned < limit ? null : last_id, paused: false, sweepEvery, maxPerPass };
  });
}

/**
 * The id names the customer and the lapse, by a keyed hash (HMAC with PSEUDONYM_SECRET, the key
 * of erasure's pseudonyms): event ids outlive an erasure (idempotency) and must not keep the
 * customer's id — an unkeyed hash would give it back to anyone who hashes candidate ids.
 */
export function lapsedEvent(pseudonymSecret: string, customerId: string, lapsedSince: string, at: string): CustomerLapsedEvent {
  const lapse = createHmac('sha256', pseudonymSecret).update(`${CUSTOMER_LAPSED}\n${customerId}\n${lapsedSince}`).digest('hex').slice(0, 32);
  return { id: `${CUSTOMER_LAPSED}:${lapse}`, type: CUSTOMER_LAPSED, customerId, occurredAt: at, properties: { lapsedSince } };
}

export type StillLapsed = { lapsed: true } | { lapsed: false; reason: 'engaged' | 'not_a_recipient' | 'in_win_back' };

/**
 * At the journey's start (the event may have waited in the store): is the customer still in
 * the lapse the sweep found? Engaged since, no longer someone we may mail, or win-back took over.
 */
export async function stillLapsed(
  db: Pool | PoolClient,
  config: JourneysConfig,
  now: Date,
  input: { customerId: string; lapsedSince: string },
): Promise<StillLapsed> {
  const { winBackSince } = cutoffs(config, now.getTime());
  const { rows } = await db.query<{ lapsed_since: Date }>(ONE_RECIPIENT, [input.customerId, winBackSince]);
  if (rows[0]) return rows[0].lapsed_since.getTime() > Date.parse(input.lapsedSince) ? { lapsed: false, reason: 'engaged' } : { lapsed: true };
  // Outside the query: tell "win-back has it" apart from "may not be mailed".
  const { rows: plain } = await db.query(ONE_RECIPIENT.replace('$2', "'infinity'::timestamptz"), [input.customerId]);
  return { lapsed: false, reason: plain.length ? 'in_win_back' : 'not_a_recipient' };
}

export function createSunsetActivities(deps: {
  db: Pool;
  config: JourneysConfig;
  now: () => Date;
  enqueueEvents?: EnqueueEvents;
  /** PSEUDONYM_SECRET (config.pseudonymSecret): keys the lapse event ids */
  pseudonymSecret: string;
}) {
  return {
    sweepLapsedRecipients: (input: { after: string | null; passAt: string }) => {
      if (!deps.enqueueEvents) throw new Error('the sunset sweep needs enqueueEvents in the activity deps (worker.ts passes it)');
      return sweepLapsedRecipients(deps.db, deps.config, deps.enqueueEvents, deps.pseudonymSecret, input);
    },
    stillLapsed: (input: { customerId: string; lapsedSince: string }) => stillLapsed(deps.db, deps.config, deps.now(), input),
  };
}
