import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { timestamp } from '../../ingest/event-schemas';
import { documentV1, json } from '../route-docs';

export const StatsQuerySchema = z.object({
  since: timestamp.optional(),
  until: timestamp.optional(),
  journey: z.string().min(1).max(100).optional(),
  attributionWindowDays: z.coerce.number().int().min(1).max(60).default(5),
});

const StepStatsSchema = z
  .object({
    step: z.string(),
    entered: z.number(),
    sent: z.number(),
    skipped: z.record(z.string(), z.number()).openapi({ description: 'skipped messages by reason' }),
    deferred: z.number(),
    failed: z.number(),
    delivered: z.number(),
    opened: z.number(),
    clicked: z.number(),
    bounced: z.number(),
    complained: z.number(),
    converted: z.number(),
    convertedByCoupon: z.number().openapi({ description: 'of `converted`: orders that redeemed a code this step carried' }),
    couponsRedeemed: z.number().openapi({ description: 'codes this step carried that were redeemed (by any order)' }),
    revenue: z.record(z.string(), z.number()).openapi({ description: 'attributed revenue per currency' }),
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
        journeys: z.array(z.object({ journey: z.string(), entered: z.number(), steps: z.array(StepStatsSchema) })),
      }),
      'Journey statistics',
    ),
  },
});

/**
 * Each order in scope credited to at most one sent message, as the CTE `attributed`
 * (id, total, currency, message_id, journey, step, by_coupon). Parameters: $1 since, $2 until,
 * $3 journey, $4 attribution window in days.
 * 1. Coupon first: an order that redeemed a code goes to the latest sent message that carried
 *    that code before the order (the code is the evidence; no window).
 * 2. Otherwise last touch: the latest message sent to the customer before the order, within
 *    the window.
 */
export const ATTRIBUTED_ORDERS = `
  by_coupon AS (
    SELECT DISTINCT ON (o.id) o.id, o.total, o.currency, m.id AS message_id, m.journey, m.step, true AS by_coupon
      FROM orders o
      JOIN coupon_redemptions r ON r.order_id = o.id
      JOIN messages m ON m.coupon_code = r.code AND m.status = 'sent' AND m.sent_at <= o.placed_at
     WHERE ($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
       AND ($3::text IS NULL OR m.journey = $3)
     ORDER BY o.id, m.sent_at DESC),
  by_last_touch AS (
    SELECT DISTINCT ON (o.id) o.id, o.total, o.currency, m.id AS message_id, m.journey, m.step, false AS by_coupon
      FROM orders o
      JOIN messages m ON m.customer_id = o.customer_id AND m.status = 'sent'
                     AND m.sent_at <= o.placed_at AND o.placed_at < m.sent_at + make_interval(days => $4)
     WHERE ($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
       AND ($3::text IS NULL OR m.journey = $3)
       AND NOT EXISTS (SELECT 1 FROM coupon_redemptions r JOIN messages cm ON cm.coupon_code = r.code AND cm.status = 'sent'
                        WHERE r.order_id = o.id AND cm.sent_at <= o.placed_at)
     ORDER BY o.id, m.sent_at DESC),
  attributed AS (SELECT * FROM by_coupon UNION ALL SELECT * FROM by_last_touch)`;

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
  bounced: number;
  complained: number;
  converted: number;
  convertedByCoupon: number;
  couponsRedeemed: number;
  revenue: Record<string, number>;
}

/**
 * GET /v1/stats/journeys — per journey and step, from the message log.
 * - entered: messages the step tried to send (sent, skipped, deferred, pending or failed)
 * - converted / revenue: each order credited once (see ATTRIBUTED_ORDERS)
 *   (revenue per currency: totals in different currencies are not added up).
 */
export function statsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/journeys', async (req, res) => {
    const q = StatsQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error, 'query');
    const { since, until, journey, attributionWindowDays } = q.data;
    // Normalised to UTC: Postgres rejects some offsets that ISO-8601 allows (+21:10).
    const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : null);
    const params = [iso(since), iso(until), journey ?? null];
    const scope = `($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
                   AND ($3::text IS NULL OR m.journey = $3)`;
    const counts = await deps.db.query(
      `SELECT m.journey, m.step, count(*) AS entered,
              count(*) FILTER (WHERE status = 'sent') AS sent,
              count(*) FILTER (WHERE status = 'deferred') AS deferred,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              count(delivered_at) AS delivered, count(opened_at) AS opened, count(clicked_at) AS clicked,
              count(bounced_at) AS bounced, count(complained_at) AS complained,
              count(DISTINCT workflow_id) AS workflows
         FROM messages m WHERE ${scope} GROUP BY m.journey, m.step ORDER BY m.journey, min(m.id)`,
      params,
    );
    const skipped = await deps.db.query(
      `SELECT m.journey, m.step, m.skip_reason, count(*) AS n FROM messages m
        WHERE status = 'skipped' AND ${scope} GROUP BY 1, 2, 3`,
      params,
    );
    const conversions = await deps.db.query(
      `WITH ${ATTRIBUTED_ORDERS}
       SELECT journey, step, currency, count(DISTINCT message_id) AS converted, sum(total) AS revenue,
              count(*) FILTER (WHERE by_coupon) AS by_coupon
         FROM attributed GROUP BY 1, 2, 3`,
      [...params, attributionWindowDays],
    );
    const redeemed = await deps.db.query(
      `SELECT m.journey, m.step, count(DISTINCT r.code) AS n FROM messages m JOIN coupon_redemptions r ON r.code = m.coupon_code
        WHERE m.status = 'sent' AND ${scope} GROUP BY 1, 2`,
      params,
    );

    const journeys = new Map<string, { journey: string; entered: number; steps: Map<string, StepStats> }>();
    for (const r of counts.rows) {
      const j = journeys.get(r.journey) ?? { journey: r.journey, entered: 0, steps: new Map() };
      j.entered += r.workflows;
      j.steps.set(r.step, {
        step: r.step,
        entered: r.entered,
        sent: r.sent,
        skipped: {},
        deferred: r.deferred,
        failed: r.failed,
        delivered: r.delivered,
        opened: r.opened,
        clicked: r.clicked,
        bounced: r.bounced,
        complained: r.complained,
        converted: 0,
        convertedByCoupon: 0,
        couponsRedeemed: 0,
        revenue: {},
      });
      journeys.set(r.journey, j);
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
      step.revenue[r.currency] = Math.round(r.revenue * 100) / 100;
    }
    for (const r of redeemed.rows) {
      const step = journeys.get(r.journey)?.steps.get(r.step);
      if (step) step.couponsRedeemed = r.n;
    }
    res.json({
      attributionWindowDays,
      journeys: [...journeys.values()].map((j) => ({
        journey: j.journey,
        // workflows that reached at least one send step (the step rows say how far they got)
        entered: j.entered,
        steps: [...j.steps.values()],
      })),
    });
  });
  return router;
}
