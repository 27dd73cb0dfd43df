import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors';
import type { Pool } from 'pg';
import type { ApiDeps } from '../deps';
import { timestamp } from '../../ingest/event-schemas';
import { documentV1, json } from '../route-docs';
import { ATTRIBUTED_ORDERS } from '../../activities/attribution';
import { ExperimentResultSchema, HoldoutSchema, withMeasurement } from '../measurement-stats';

export const StatsQuerySchema = z.object({
  since: timestamp.optional(),
  until: timestamp.optional(),
  journey: z.string().min(1).max(100).optional(),
  attributionWindowDays: z.coerce.number().int().min(1).max(60).default(5),
  holdoutWindowDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .openapi({ description: 'holdout lift: orders within this many days of a customer entering the journey' }),
  series: z
    .enum(['daily'])
    .optional()
    .openapi({ description: '`daily`: every journey and step also carries `daily`, its figures per UTC day (the dashboard\'s chart)' }),
});

/** One UTC day of a journey or step: each figure counted on the day its message was created, so the days add up to the totals. */
const DayStatsSchema = z
  .object({
    date: z.string().openapi({ example: '2026-12-01', description: 'UTC day (YYYY-MM-DD)' }),
    entered: z.number(),
    sent: z.number(),
    skipped: z.number(),
    delivered: z.number(),
    opened: z.number(),
    clicked: z.number(),
    converted: z.number(),
    revenue: z.record(z.string(), z.number()),
  })
  .openapi('DayStats');
const daily = z
  .array(DayStatsSchema)
  .optional()
  .openapi({ description: 'with `series=daily`: the days that have messages, oldest first (days without any are left out)' });

const StepStatsSchema = z
  .object({
    step: z.string(),
    entered: z.number(),
    sent: z.number(),
    skipped: z.record(z.string(), z.number()).openapi({ description: 'skipped messages by reason' }),
    deferred: z.number(),
    failed: z.number(),
    delivered: z.number(),
    opened: z.number().openapi({ description: 'messages a person opened (machine opens such as Apple Mail Privacy Protection excluded)' }),
    clicked: z.number().openapi({ description: 'messages a person clicked (security scanners excluded)' }),
    machineOpened: z.number().openapi({ description: 'messages a machine opened (Apple Mail Privacy Protection prefetch), whether or not a person did too' }),
    machineClicked: z.number().openapi({ description: 'messages whose links a security scanner followed, whether or not a person clicked too' }),
    bounced: z.number(),
    complained: z.number(),
    converted: z.number(),
    convertedByCoupon: z.number().openapi({ description: 'of `converted`: orders that redeemed a code this step carried' }),
    couponsRedeemed: z.number().openapi({ description: 'codes this step carried that were redeemed (by any order)' }),
    revenue: z.record(z.string(), z.number()).openapi({ description: 'attributed revenue per currency, net of refunds (a cancelled order counts nothing)' }),
    daily,
  })
  .openapi('StepStats');

documentV1({
  method: 'get',
  path: '/v1/stats/journeys',
  summary: 'Per journey and step: entered, sent, skipped by reason, delivered, opened, clicked, converted, revenue',
  description:
    'Counts come from the message log. An order is credited once: to the message that carried a coupon code the order redeemed (coupon attribution, no time limit), otherwise to the latest message sent to the customer before it within the attribution window (default 5 days, last touch); revenue is reported per currency.',
  request: { query: StatsQuerySchema },
  responses: {
    200: json(
      z.object({
        attributionWindowDays: z.number(),
        journeys: z.array(
          z.object({
            journey: z.string(),
            entered: z.number().openapi({ description: 'journeys (workflows) that reached at least one send step' }),
            steps: z.array(StepStatsSchema),
            daily: daily.openapi({ description: 'with `series=daily`: the steps added up per UTC day (`entered` counts messages, as a step\'s does)' }),
            experiments: z.array(ExperimentResultSchema).optional().openapi({ description: "the journey's A/B tests (JOURNEYS_CONFIG_FILE experiments)" }),
            holdout: HoldoutSchema.optional().openapi({ description: 'treated vs control, when the journey has a holdout (JOURNEYS_CONFIG_FILE holdouts)' }),
          }),
        ),
      }),
      'Journey statistics',
    ),
  },
});

/** Re-exported: the stats count conversions as activities/attribution.ts defines them. */
export { ATTRIBUTED_ORDERS };

interface DayStats {
  date: string;
  entered: number;
  sent: number;
  skipped: number;
  delivered: number;
  opened: number;
  clicked: number;
  converted: number;
  revenue: Record<string, number>;
}

interface StepStats {
  step: string;
  entered: number;
  sent: number;
  skipped: Record<string, number>;
  deferred: number;
  failed: number;
  delivered: number;
  opened: number;
  clicked: number;
  machineOpened: number;
  machineClicked: number;
  bounced: number;
  complained: number;
  converted: number;
  convertedByCoupon: number;
  couponsRedeemed: number;
  revenue: Record<string, number>;
  daily?: DayStats[];
}

export interface JourneyStats {
  journey: string;
  entered: number;
  steps: StepStats[];
  daily?: DayStats[];
}

export type StatsQuery = z.infer<typeof StatsQuerySchema>;

const emptyDay = (date: string): DayStats => ({
  date,
  entered: 0,
  sent: 0,
  skipped: 0,
  delivered: 0,
  opened: 0,
  clicked: 0,
  converted: 0,
  revenue: {},
});
const addRevenue = (to: Record<string, number>, currency: string, amount: number) => {
  to[currency] = Math.round(((to[currency] ?? 0) + Number(amount)) * 100) / 100;
};

/**
 * GET /v1/stats/journeys — per journey and step, from the message log.
 * - entered: messages the step tried to send (sent, skipped, deferred, pending or failed)
 * - converted / revenue: each order credited once (see ATTRIBUTED_ORDERS)
 *   (revenue per currency: totals in different currencies are not added up).
 * With `series: 'daily'` the same rows are also kept per UTC day of the message's creation
 * (the queries group by that day too, and the totals are the sum of the days), so the
 * dashboard's chart and its totals cannot disagree.
 */
export async function journeyStats(db: Pick<Pool, 'query'>, query: StatsQuery): Promise<{ attributionWindowDays: number; journeys: JourneyStats[] }> {
  const { since, until, journey, attributionWindowDays, series } = query;
  // Normalised to UTC: Postgres rejects some offsets that ISO-8601 allows (+21:10).
  const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : null);
  const params = [iso(since), iso(until), journey ?? null];
  const scope = `($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
                 AND ($3::text IS NULL OR m.journey = $3)`;
  const byDay = series === 'daily';
  /** the message's UTC day, as one more grouping column (null without the series) */
  const day = byDay ? `to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : 'NULL::text';
  const counts = await db.query(
    `SELECT m.journey, m.step, ${day} AS day, count(*) AS entered,
            count(*) FILTER (WHERE status = 'sent') AS sent,
            count(*) FILTER (WHERE status = 'skipped') AS skipped,
            count(*) FILTER (WHERE status = 'deferred') AS deferred,
            count(*) FILTER (WHERE status = 'failed') AS failed,
            count(delivered_at) AS delivered, count(opened_at) AS opened, count(clicked_at) AS clicked,
            count(machine_opened_at) AS machine_opened, count(machine_clicked_at) AS machine_clicked,
            count(bounced_at) AS bounced, count(complained_at) AS complained,
            min(m.id) AS first_id
       FROM messages m WHERE ${scope} GROUP BY 1, 2, 3 ORDER BY 1, 3`,
    params,
  );
  // A workflow is one entrant however many steps (or days) it reached.
  const entrants = await db.query(
    `SELECT m.journey, count(DISTINCT workflow_id) AS workflows FROM messages m WHERE ${scope} GROUP BY 1`,
    params,
  );
  const skipped = await db.query(
    `SELECT m.journey, m.step, m.skip_reason, count(*) AS n FROM messages m
      WHERE status = 'skipped' AND ${scope} GROUP BY 1, 2, 3`,
    params,
  );
  const conversions = await db.query(
    `WITH ${ATTRIBUTED_ORDERS}
     SELECT a.journey, a.step, ${day} AS day, a.currency, count(DISTINCT a.message_id) AS converted, sum(a.total) AS revenue,
            count(*) FILTER (WHERE a.by_coupon) AS by_coupon
       FROM attributed a JOIN messages m ON m.id = a.message_id GROUP BY 1, 2, 3, 4`,
    [...params, attributionWindowDays],
  );
  const redeemed = await db.query(
    `SELECT m.journey, m.step, count(DISTINCT r.code) AS n FROM messages m JOIN coupon_redemptions r ON r.code = m.coupon_code
      WHERE m.status = 'sent' AND ${scope} GROUP BY 1, 2`,
    params,
  );

  interface Building {
    journey: string;
    entered: number;
    steps: Map<string, StepStats & { firstId: number; days: Map<string, DayStats> }>;
  }
  const journeys = new Map<string, Building>();
  const dayOf = (days: Map<string, DayStats>, date: string) => {
    const d = days.get(date) ?? emptyDay(date);
    days.set(date, d);
    return d;
  };
  for (const r of counts.rows) {
    const j = journeys.get(r.journey) ?? { journey: r.journey, entered: 0, steps: new Map() };
    journeys.set(r.journey, j);
    const step =
      j.steps.get(r.step) ??
      {
        step: r.step,
        entered: 0,
        sent: 0,
        skipped: {},
        deferred: 0,
        failed: 0,
        delivered: 0,
        opened: 0,
        clicked: 0,
        machineOpened: 0,
        machineClicked: 0,
        bounced: 0,
        complained: 0,
        converted: 0,
        convertedByCoupon: 0,
        couponsRedeemed: 0,
        revenue: {},
        firstId: Number(r.first_id),
        days: new Map(),
      };
    j.steps.set(r.step, step);
    for (const k of ['entered', 'sent', 'deferred', 'failed', 'delivered', 'opened', 'clicked', 'bounced', 'complained'] as const) step[k] += r[k];
    step.machineOpened += r.machine_opened;
    step.machineClicked += r.machine_clicked;
    step.firstId = Math.min(step.firstId, Number(r.first_id));
    if (r.day) {
      const d = dayOf(step.days, r.day);
      for (const k of ['entered', 'sent', 'skipped', 'delivered', 'opened', 'clicked'] as const) d[k] += r[k];
    }
  }
  for (const r of entrants.rows) {
    const j = journeys.get(r.journey);
    if (j) j.entered = r.workflows;
  }
  for (const r of skipped.rows) {
    const step = journeys.get(r.journey)?.steps.get(r.step);
    if (step) step.skipped[r.skip_reason ?? 'unknown'] = r.n;
  }
  for (const r of conversions.rows) {
    const step = journeys.get(r.journey)?.steps.get(r.step);
    if (!step) continue;
    step.converted += r.converted;
    step.convertedByCoupon += r.by_coupon;
    addRevenue(step.revenue, r.currency, r.revenue);
    if (r.day) {
      const d = dayOf(step.days, r.day);
      d.converted += r.converted;
      addRevenue(d.revenue, r.currency, r.revenue);
    }
  }
  for (const r of redeemed.rows) {
    const step = journeys.get(r.journey)?.steps.get(r.step);
    if (step) step.couponsRedeemed = r.n;
  }

  const sortedDays = (days: Iterable<DayStats>) => [...days].sort((a, b) => a.date.localeCompare(b.date));
  return {
    attributionWindowDays,
    journeys: [...journeys.values()].map((j) => {
      // steps in the order the journey first reached them
      const steps = [...j.steps.values()].sort((a, b) => a.firstId - b.firstId);
      const out: JourneyStats = {
        journey: j.journey,
        // workflows that reached at least one send step (the step rows say how far they got)
        entered: j.entered,
        steps: steps.map(({ firstId: _firstId, days, ...step }) => (byDay ? { ...step, daily: sortedDays(days.values()) } : step)),
      };
      if (byDay) {
        const total = new Map<string, DayStats>();
        for (const s of steps) {
          for (const d of s.days.values()) {
            const t = dayOf(total, d.date);
            for (const k of ['entered', 'sent', 'skipped', 'delivered', 'opened', 'clicked', 'converted'] as const) t[k] += d[k];
            for (const [currency, amount] of Object.entries(d.revenue)) addRevenue(t.revenue, currency, amount);
          }
        }
        out.daily = sortedDays(total.values());
      }
      return out;
    }),
  };
}

export function statsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/journeys', async (req, res) => {
    const q = StatsQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error, 'query');
    const stats = await journeyStats(deps.db, q.data);
    res.json({ ...stats, journeys: await withMeasurement(deps.db, deps.config.journeys, q.data, stats.journeys) });
  });
  return router;
}
