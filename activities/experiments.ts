import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Experiment, Holdouts, Variant } from '../config/measurement';
import { twoProportionZTest, type ZTest } from '../shared/significance';
import { ATTRIBUTED_ORDERS } from './attribution';
import type { SendMessageInput } from './types';

/**
 * A/B tests inside a step and holdout groups, decided by the send path at send time.
 *
 * Assignment is a pure function of (experiment id, customer id) — SHA-256 of the pair mapped
 * to [0, 1) and cut by the variants' weights — so a customer gets the same variant on every
 * attempt, retry, replay, continue-as-new, worker restart and deployment, and no journey
 * carries it in its state. Holdouts hash (journey, customer) the same way, independently of
 * any experiment. The decision is recorded on the message (experiment_id, variant,
 * variant_phase, holdout_group), and every result is counted from the message log.
 */
type Queryable = Pick<PoolClient, 'query'>;

/** Where `key` falls in [0, 1): the first 48 bits of its SHA-256. */
export function hashToUnit(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6) / 2 ** 48;
}

export function assignVariant(experiment: Pick<Experiment, 'id' | 'variants'>, customerId: string): Variant {
  const total = experiment.variants.reduce((sum, v) => sum + v.weight, 0);
  const point = hashToUnit(`experiment\u0000${experiment.id}\u0000${customerId}`) * total;
  let edge = 0;
  for (const variant of experiment.variants) {
    edge += variant.weight;
    if (point < edge) return variant;
  }
  return experiment.variants[experiment.variants.length - 1];
}

export function holdoutGroupOf(journey: string, percent: number, customerId: string): 'control' | 'treated' {
  return hashToUnit(`holdout\u0000${journey}\u0000${customerId}`) < percent / 100 ? 'control' : 'treated';
}

export interface MeasurementSettings {
  experiments: Experiment[];
  holdouts: Holdouts;
}

export interface SendMeasurement {
  holdoutGroup: 'control' | 'treated' | null;
  experiment?: { id: string; variant: Variant; phase: 'test' | 'winner' };
}

export function experimentFor(settings: MeasurementSettings, input: Pick<SendMessageInput, 'journey' | 'step' | 'category'>) {
  if (input.category !== 'marketing') return undefined;
  return settings.experiments.find((e) => e.journey === input.journey && e.step === input.step);
}

/** What this send takes part in. Transactional mail is never held out or tested. */
export async function measureSend(db: Queryable, settings: MeasurementSettings, input: SendMessageInput): Promise<SendMeasurement> {
  if (input.category !== 'marketing') return { holdoutGroup: null };
  const percent = settings.holdouts[input.journey]?.percent ?? 0;
  const holdoutGroup = percent > 0 ? holdoutGroupOf(input.journey, percent, input.customerId) : null;
  const experiment = experimentFor(settings, input);
  if (!experiment) return { holdoutGroup };
  const decided = await db.query<{ winner: string }>('SELECT winner FROM experiment_decisions WHERE experiment_id = $1', [experiment.id]);
  const winner = experiment.variants.find((v) => v.name === decided.rows[0]?.winner);
  if (winner) return { holdoutGroup, experiment: { id: experiment.id, variant: winner, phase: 'winner' } };
  return { holdoutGroup, experiment: { id: experiment.id, variant: assignVariant(experiment, input.customerId), phase: 'test' } };
}

// ── Results ───────────────────────────────────────────────────────────────────────────────────

export interface VariantResult {
  variant: string;
  weight: number;
  recipients: number;
  opened: number;
  clicked: number;
  converted: number;
  revenue: Record<string, number>;
  /** the experiment's metric: successes / recipients */
  rate: number;
  /** this variant against the control (the first variant); null for the control */
  vsControl: ZTest | null;
}

export interface ExperimentResult {
  id: string;
  journey: string;
  step: string;
  metric: Experiment['metric'];
  status: 'running' | 'decided';
  variants: VariantResult[];
  significance: {
    test: ZTest['test'];
    why: string;
    /** the variant with the highest rate so far */
    leader: string | null;
    /** the leader against each other variant: the lowest confidence (the closest race) */
    leaderConfidence: number;
    /** what an auto-winner waits for; null when the experiment has none */
    autoWinner: { minRecipientsPerVariant: number; confidence: number; ready: boolean } | null;
  };
  decision: { winner: string; confidence: number; decidedAt: string } | null;
}

const WHY =
  'Open, click and conversion rates are proportions of independent groups of recipients, so the standard test is the pooled ' +
  'two-proportion z-test (the same as χ² on the 2×2 table), two-sided since a variant may be worse; the normal approximation ' +
  'it rests on holds at the sample sizes an auto-winner waits for (see `approximate`).';

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Each variant's recipients (messages sent while the test ran), human opens and clicks,
 * conversions and revenue (attributed as the stats attribute them), and the significance.
 */
export async function experimentResult(
  db: Queryable,
  experiment: Experiment,
  options: { attributionWindowDays: number; since?: string | null; until?: string | null },
): Promise<ExperimentResult> {
  const scope = [options.since ?? null, options.until ?? null, experiment.journey, options.attributionWindowDays, experiment.id];
  const counts = await db.query<{ variant: string; recipients: number; opened: number; clicked: number }>(
    `SELECT variant, count(*)::int AS recipients, count(opened_at)::int AS opened, count(clicked_at)::int AS clicked
       FROM messages m
      WHERE experiment_id = $4 AND variant_phase = 'test' AND status = 'sent' AND journey = $3
        AND ($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
      GROUP BY 1`,
    [scope[0], scope[1], scope[2], experiment.id],
  );
  const conversions = await db.query<{ variant: string; currency: string | null; converted: number; revenue: number }>(
    `WITH ${ATTRIBUTED_ORDERS}
     SELECT m.variant, a.currency, count(DISTINCT a.message_id)::int AS converted, sum(a.total)::float8 AS revenue
       FROM attributed a JOIN messages m ON m.id = a.message_id
      WHERE m.experiment_id = $5 AND m.variant_phase = 'test'
      GROUP BY GROUPING SETS ((m.variant, a.currency), (m.variant))`,
    scope,
  );
  const decision = await db.query<{ winner: string; confidence: number; decided_at: Date }>(
    'SELECT winner, confidence, decided_at FROM experiment_decisions WHERE experiment_id = $1',
    [experiment.id],
  );

  const variants: VariantResult[] = experiment.variants.map((v) => {
    const c = counts.rows.find((r) => r.variant === v.name);
    const conv = conversions.rows.filter((r) => r.variant === v.name);
    const revenue: Record<string, number> = {};
    for (const r of conv) if (r.currency) revenue[r.currency] = round((revenue[r.currency] ?? 0) + r.revenue);
    return {
      variant: v.name,
      weight: v.weight,
      recipients: c?.recipients ?? 0,
      opened: c?.opened ?? 0,
      clicked: c?.clicked ?? 0,
      // a message converts once, whatever the currencies of its orders
      // the row without a currency counts each message once, whatever currencies it bought in
      converted: conv.find((r) => r.currency === null)?.converted ?? 0,
      revenue,
      rate: 0,
      vsControl: null,
    };
  });
  const successes = (v: VariantResult) => (experiment.metric === 'open' ? v.opened : experiment.metric === 'click' ? v.clicked : v.converted);
  const proportion = (v: VariantResult) => ({ successes: successes(v), trials: v.recipients });
  for (const v of variants) v.rate = v.recipients ? successes(v) / v.recipients : 0;
  const control = variants[0];
  for (const v of variants.slice(1)) v.vsControl = twoProportionZTest(proportion(control), proportion(v));

  const ranked = [...variants].sort((a, b) => b.rate - a.rate);
  const leader = ranked[0].recipients ? ranked[0] : null;
  const leaderConfidence = leader
    ? Math.min(...ranked.slice(1).map((other) => (leader.rate > other.rate ? twoProportionZTest(proportion(other), proportion(leader)).confidence : 0)))
    : 0;
  const auto = experiment.autoWinner;
  const ready = !!auto && variants.every((v) => v.recipients >= auto.minRecipientsPerVariant) && leaderConfidence >= auto.confidence;
  const decided = decision.rows[0];
  return {
    id: experiment.id,
    journey: experiment.journey,
    step: experiment.step,
    metric: experiment.metric,
    status: decided ? 'decided' : 'running',
    variants,
    significance: {
      test: 'two-proportion z-test (pooled, two-sided)',
      why: WHY,
      leader: leader?.variant ?? null,
      leaderConfidence,
      autoWinner: auto ? { ...auto, ready } : null,
    },
    decision: decided ? { winner: decided.winner, confidence: decided.confidence, decidedAt: decided.decided_at.toISOString() } : null,
  };
}

/**
 * The auto-winner: once every variant has its minimum of recipients and the leader beats each
 * other variant at the configured confidence, the leader is recorded as the winner — once
 * (the decision row is unique), with its evidence, and logged in audit_log — and from then
 * on every send of the step gets it (variant_phase 'winner').
 */
export async function decideWinnerIfReady(
  db: Pool,
  experiment: Experiment,
  attributionWindowDays = 5,
): Promise<{ winner: string; confidence: number } | undefined> {
  if (!experiment.autoWinner) return undefined;
  const result = await experimentResult(db, experiment, { attributionWindowDays });
  if (result.decision || !result.significance.autoWinner?.ready || !result.significance.leader) return undefined;
  const evidence = { metric: result.metric, variants: result.variants, significance: result.significance };
  const inserted = await db.query(
    `WITH decided AS (
       INSERT INTO experiment_decisions (experiment_id, winner, metric, confidence, evidence) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (experiment_id) DO NOTHING RETURNING experiment_id)
     INSERT INTO audit_log (action, subject, details)
     SELECT 'experiment.winner', experiment_id, $5::jsonb || jsonb_build_object('winner', $2::text) FROM decided`,
    [experiment.id, result.significance.leader, result.metric, result.significance.leaderConfidence, JSON.stringify(evidence)],
  );
  return inserted.rowCount ? { winner: result.significance.leader, confidence: result.significance.leaderConfidence } : undefined;
}
