import type { PoolClient } from 'pg';
import { NET_ORDER_REVENUE } from './attribution';
import { differenceOfMeans, differenceOfProportions, type Interval, type Sums } from '../shared/significance';

/**
 * What a journey earns beyond what customers would have bought anyway: its entrants split by
 * the holdout hash into treated (mailed as usual) and control (none of the journey's marketing;
 * their messages are logged as skipped with reason `holdout`), both counted the same way.
 *
 * - Entrants: customers with a marketing message of the journey (any status) decided with a
 *   holdout in place; entry is their first such message. Intention to treat: a treated
 *   customer whose email was skipped (no consent, frequency cap) still counts as treated.
 * - Conversion: at least one order (not cancelled) within `windowDays` of entry; revenue: those
 *   orders' totals net of refunds, per currency (every order, however attributed — this is the
 *   incremental view).
 * - Lift: conversion rate treated − control with its 95 % Wald interval, relative lift
 *   (difference / control rate); revenue per customer treated − control per currency, with its
 *   95 % Welch interval.
 */
export interface HoldoutGroupStats {
  customers: number;
  converted: number;
  conversionRate: number;
  revenue: Record<string, number>;
  revenuePerCustomer: Record<string, number>;
}

export interface HoldoutStats {
  percent: number;
  windowDays: number;
  treated: HoldoutGroupStats;
  control: HoldoutGroupStats;
  lift: {
    conversionRate: Interval;
    /** difference / control rate; null while the control group has no conversion */
    relative: number | null;
    revenuePerCustomer: Record<string, Interval>;
  };
}

type Queryable = Pick<PoolClient, 'query'>;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function holdoutStats(
  db: Queryable,
  journey: string,
  percent: number,
  options: { windowDays: number; since?: string | null; until?: string | null },
): Promise<HoldoutStats> {
  const params = [journey, options.since ?? null, options.until ?? null, options.windowDays];
  const entrants = `entrants AS (
      SELECT m.customer_id, min(m.holdout_group) AS grp, min(m.created_at) AS entered_at
        FROM messages m
       WHERE m.journey = $1 AND m.holdout_group IS NOT NULL
         AND ($2::timestamptz IS NULL OR m.created_at >= $2) AND ($3::timestamptz IS NULL OR m.created_at < $3)
       GROUP BY 1),
    spend AS (
      SELECT e.customer_id, e.grp, o.currency, sum(${NET_ORDER_REVENUE})::float8 AS revenue
        FROM entrants e JOIN orders o ON o.customer_id = e.customer_id AND o.cancelled_at IS NULL
         AND o.placed_at >= e.entered_at AND o.placed_at < e.entered_at + make_interval(days => $4)
       GROUP BY 1, 2, 3)`;
  const groups = await db.query<{ grp: 'control' | 'treated'; customers: number; converted: number }>(
    `WITH ${entrants}
     SELECT e.grp, count(*)::int AS customers, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM spend s WHERE s.customer_id = e.customer_id))::int AS converted
       FROM entrants e GROUP BY 1`,
    params,
  );
  const revenue = await db.query<{ grp: 'control' | 'treated'; currency: string; sum: number; sum_of_squares: number }>(
    `WITH ${entrants}
     SELECT grp, currency, sum(revenue)::float8 AS sum, sum(revenue * revenue)::float8 AS sum_of_squares FROM spend GROUP BY 1, 2`,
    params,
  );
  const group = (grp: 'control' | 'treated'): HoldoutGroupStats => {
    const g = groups.rows.find((r) => r.grp === grp);
    const customers = g?.customers ?? 0;
    const converted = g?.converted ?? 0;
    const spent: Record<string, number> = {};
    const perCustomer: Record<string, number> = {};
    for (const r of revenue.rows.filter((x) => x.grp === grp)) {
      spent[r.currency] = round(r.sum);
      perCustomer[r.currency] = customers ? round(r.sum / customers) : 0;
    }
    return { customers, converted, conversionRate: customers ? converted / customers : 0, revenue: spent, revenuePerCustomer: perCustomer };
  };
  const treated = group('treated');
  const control = group('control');
  const sums = (grp: 'control' | 'treated', currency: string, n: number): Sums => {
    const r = revenue.rows.find((x) => x.grp === grp && x.currency === currency);
    return { n, sum: r?.sum ?? 0, sumOfSquares: r?.sum_of_squares ?? 0 };
  };
  const currencies = [...new Set(revenue.rows.map((r) => r.currency))].sort();
  const conversionRate = differenceOfProportions(
    { successes: treated.converted, trials: treated.customers },
    { successes: control.converted, trials: control.customers },
  );
  return {
    percent,
    windowDays: options.windowDays,
    treated,
    control,
    lift: {
      conversionRate,
      relative: control.conversionRate > 0 ? conversionRate.estimate / control.conversionRate : null,
      revenuePerCustomer: Object.fromEntries(
        currencies.map((c) => [c, differenceOfMeans(sums('treated', c, treated.customers), sums('control', c, control.customers))]),
      ),
    },
  };
}
