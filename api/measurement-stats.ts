import type { Pool } from 'pg';
import { z } from 'zod';
import type { JourneysConfig } from '../config/journeys';
import { experimentResult, type ExperimentResult } from '../activities/experiments';
import { holdoutStats, type HoldoutStats } from '../activities/holdouts';
import './route-docs';

/**
 * The A/B and holdout part of GET /v1/stats/journeys: added to each journey that has an
 * experiment or a holdout configured (names kept apart from the step counts in stats.ts).
 */
const zTest = z.object({
  test: z.string(),
  difference: z.number(),
  z: z.number(),
  pValue: z.number(),
  confidence: z.number(),
  approximate: z.boolean().openapi({ description: 'false when an arm has fewer than 5 successes or failures: the normal approximation is rough' }),
});
const interval = z.object({ estimate: z.number(), low: z.number(), high: z.number(), confidence: z.number() }).openapi('Interval');
const money = z.record(z.string(), z.number());

export const ExperimentResultSchema = z
  .object({
    id: z.string(),
    journey: z.string(),
    step: z.string(),
    metric: z.enum(['open', 'click', 'conversion']),
    status: z.enum(['running', 'decided']),
    variants: z.array(
      z.object({
        variant: z.string(),
        weight: z.number(),
        recipients: z.number().int(),
        opened: z.number().int(),
        clicked: z.number().int(),
        converted: z.number().int(),
        revenue: money,
        rate: z.number().openapi({ description: "the experiment's metric per recipient" }),
        vsControl: zTest.nullable().openapi({ description: 'against the first variant (null for it)' }),
      }),
    ),
    significance: z.object({
      test: z.string(),
      why: z.string(),
      leader: z.string().nullable(),
      leaderConfidence: z.number(),
      autoWinner: z.object({ minRecipientsPerVariant: z.number(), confidence: z.number(), ready: z.boolean() }).nullable(),
    }),
    decision: z.object({ winner: z.string(), confidence: z.number(), decidedAt: z.string() }).nullable(),
  })
  .openapi('ExperimentResult');

const group = z.object({
  customers: z.number().int(),
  converted: z.number().int(),
  conversionRate: z.number(),
  revenue: money,
  revenuePerCustomer: money,
});
export const HoldoutSchema = z
  .object({
    percent: z.number(),
    windowDays: z.number().int(),
    treated: group,
    control: group,
    lift: z.object({
      conversionRate: interval.openapi({ description: 'conversion rate treated − control, 95 % Wald interval' }),
      relative: z.number().nullable().openapi({ description: 'difference / control conversion rate' }),
      revenuePerCustomer: z.record(z.string(), interval).openapi({ description: 'per currency: revenue per customer treated − control, 95 % Welch interval' }),
    }),
  })
  .openapi('HoldoutStats');

interface Query {
  since?: string;
  until?: string;
  journey?: string;
  attributionWindowDays: number;
  holdoutWindowDays: number;
}

export async function withMeasurement<J extends { journey: string }>(
  db: Pick<Pool, 'query'>,
  config: Pick<JourneysConfig, 'experiments' | 'holdouts'>,
  query: Query,
  journeys: J[],
): Promise<(J & { experiments?: ExperimentResult[]; holdout?: HoldoutStats })[]> {
  const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : null);
  const range = { since: iso(query.since), until: iso(query.until) };
  return Promise.all(
    journeys.map(async (j) => {
      const experiments = config.experiments.filter((e) => e.journey === j.journey);
      const percent = config.holdouts[j.journey]?.percent ?? 0;
      const out: J & { experiments?: ExperimentResult[]; holdout?: HoldoutStats } = { ...j };
      if (experiments.length) {
        out.experiments = await Promise.all(
          experiments.map((e) => experimentResult(db, e, { attributionWindowDays: query.attributionWindowDays, ...range })),
        );
      }
      // Shown while messages decided with a holdout exist, also after the holdout was switched off.
      const held = await db.query('SELECT 1 FROM messages WHERE journey = $1 AND holdout_group IS NOT NULL LIMIT 1', [j.journey]);
      if (percent > 0 || held.rowCount) out.holdout = await holdoutStats(db, j.journey, percent, { windowDays: query.holdoutWindowDays, ...range });
      return out;
    }),
  );
}
