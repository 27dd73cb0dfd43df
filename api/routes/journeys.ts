import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError, validationError } from '../errors';
import { documentV1, error, json, registry } from '../route-docs';
import { journeyRoutes, type JourneyRoute } from '../../ingest/routes';
import { journeySettingsSections } from '../../config/journeys';
import { journeyControls, journeyControl, setJourneyPaused, type JourneyControl } from '../../activities/journey-controls';
import { JourneyKey } from '../../workflows/messages';

/**
 * The journeys a shop controls: customer journeys of the routing table. The restock coordinator
 * is machinery of back in stock (it mails nobody itself), so it is neither listed nor paused.
 */
const controllable = journeyRoutes.filter((r) => r.customerScoped !== false);
const names = controllable.map((r) => r.name) as [string, ...string[]];

const JourneyNameParam = z.string().min(1).max(100).openapi({ enum: names, description: 'The journey, as GET /v1/journeys names it' });

export const PauseQuerySchema = z.object({
  force: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Required (`true`) to pause a transactional journey: its customers then get no order or alert mail either' }),
});

const ControlSchema = registry.register(
  'JourneyControl',
  z.object({
    name: z.string(),
    paused: z.boolean(),
    changedAt: z.string().nullable().openapi({ description: 'when the API last changed it (null: never; the configuration decides)' }),
    forced: z.boolean().openapi({ description: 'a transactional journey paused with force=true' }),
    source: z.enum(['api', 'config']).openapi({ description: "'config': nobody paused or resumed it, `enabled` in JOURNEYS_CONFIG_FILE decides" }),
  }),
);

const CountsSchema = z.object({
  running: z.number().int().nullable().openapi({ description: 'runs in progress now (null: Temporal did not answer)' }),
  enteredToday: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'runs started since 00:00 UTC (a run that continued as new counts again; null: Temporal did not answer)' }),
  held: z
    .number()
    .int()
    .openapi({ description: 'customers held in it until they are quiet, not in Temporal yet (abandoned cart, browse, win-back; DISPATCH_HOLD_UNTIL_QUIET)' }),
  sent: z.number().int().openapi({ description: 'messages sent, all time' }),
  skipped: z.number().int().openapi({ description: 'messages skipped (any reason), all time' }),
  sentToday: z.number().int(),
  skippedToday: z.number().int(),
});

const JourneySchema = registry.register(
  'Journey',
  z.object({
    name: z.string(),
    summary: z.string(),
    category: z.enum(['transactional', 'marketing']).openapi({ description: 'transactional journeys are paused only with force=true' }),
    startsOn: z.array(z.string()),
    paused: z.boolean(),
    control: ControlSchema,
    settings: z.record(z.string(), z.unknown()).openapi({ description: "the journey's section of the configuration, as new runs receive it" }),
    counts: CountsSchema,
  }),
);

documentV1({
  method: 'get',
  path: '/v1/journeys',
  summary: 'Every journey with its settings, whether it is paused, and live counts',
  description:
    'Counts: `running` and `enteredToday` from Temporal visibility, `held` (customers waiting to be quiet before the journey starts in Temporal) from Postgres, `sent`/`skipped` from the message log. A journey is paused by POST /v1/journeys/{name}/pause or by `enabled: false` in JOURNEYS_CONFIG_FILE.',
  responses: { 200: json(z.object({ journeys: z.array(JourneySchema) }), 'The journeys') },
});
documentV1({
  method: 'post',
  path: '/v1/journeys/{name}/pause',
  summary: 'Pause a journey: no new runs, and running customers’ sends are skipped (journey_paused) until it resumes',
  description:
    'Applies to every API and worker process within about a second. Idempotent. A transactional journey (order mail, back-in-stock alerts) answers 409 unless `force=true`: pausing it holds back mail customers are owed.',
  request: { params: z.object({ name: JourneyNameParam }), query: PauseQuerySchema },
  responses: {
    200: json(ControlSchema, 'Paused'),
    404: error('No such journey'),
    409: error('A transactional journey: pass force=true to pause it'),
  },
});
documentV1({
  method: 'post',
  path: '/v1/journeys/{name}/resume',
  summary: 'Resume a paused journey: new events start runs again and running customers’ next sends go out',
  description: 'Messages skipped while it was paused are not sent afterwards. Idempotent; overrides `enabled: false` from the configuration.',
  request: { params: z.object({ name: JourneyNameParam }) },
  responses: { 200: json(ControlSchema, 'Running'), 404: error('No such journey') },
});

/** /v1/journeys — the shop's view of its journeys and their run-time switch. */
export function journeysRouter(deps: ApiDeps): Router {
  const router = Router();
  const config = deps.config.journeys;

  const routeNamed = (raw: unknown): JourneyRoute => {
    const parsed = JourneyNameParam.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, 'path');
    const route = controllable.find((r) => r.name === parsed.data);
    if (!route) throw new ApiError(404, 'not_found', `No journey ${parsed.data}; GET /v1/journeys lists them`);
    return route;
  };
  const view = (c: JourneyControl) => ({ name: c.journey, paused: c.paused, changedAt: c.changedAt, forced: c.forced, source: c.source });

  router.get('/', async (_req, res) => {
    const controls = await journeyControls(deps.db, config, names);
    const { rows } = await deps.db.query<{ journey: string; sent: number; skipped: number; sent_today: number; skipped_today: number }>(
      `SELECT journey, count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
              count(*) FILTER (WHERE status = 'sent' AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::int AS sent_today,
              count(*) FILTER (WHERE status = 'skipped' AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::int AS skipped_today
         FROM messages WHERE journey = ANY($1) GROUP BY journey`,
      [names],
    );
    const messageCounts = new Map(rows.map((r) => [r.journey, r]));
    const heldRows = await deps.db.query<{ journey: string; n: number }>('SELECT journey, count(*)::int AS n FROM held_starts GROUP BY journey');
    const heldCounts = new Map(heldRows.rows.map((r) => [r.journey, r.n]));
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    const count = (query: string) =>
      deps.temporal.workflow.count(query).then(
        (c) => c.count,
        () => null,
      );
    const journeys = await Promise.all(
      controllable.map(async (r) => {
        const control = controls.get(r.name)!;
        const m = messageCounts.get(r.name);
        const [running, enteredToday] = await Promise.all([
          count(`${JourneyKey.name} = '${r.name}' AND ExecutionStatus = 'Running'`),
          count(`${JourneyKey.name} = '${r.name}' AND StartTime >= '${midnight.toISOString()}'`),
        ]);
        return {
          name: r.name,
          summary: r.summary,
          category: r.category,
          startsOn: [...r.startOn],
          paused: control.paused,
          control: view(control),
          settings: config[journeySettingsSections[r.name]] as Record<string, unknown>,
          counts: {
            running,
            enteredToday,
            held: heldCounts.get(r.name) ?? 0,
            sent: m?.sent ?? 0,
            skipped: m?.skipped ?? 0,
            sentToday: m?.sent_today ?? 0,
            skippedToday: m?.skipped_today ?? 0,
          },
        };
      }),
    );
    res.json({ journeys });
  });

  router.post('/:name/pause', async (req, res) => {
    const route = routeNamed(req.params.name);
    const query = PauseQuerySchema.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const force = query.data.force === 'true';
    if (route.category === 'transactional' && !force) {
      const current = await journeyControl(deps.db, config, route.name);
      if (!current.paused) {
        throw new ApiError(
          409,
          'transactional_journey',
          `${route.name} is transactional: pausing it holds back mail customers are owed (order mail, alerts they asked for). Pass force=true to pause it anyway.`,
        );
      }
    }
    res.json(view(await setJourneyPaused(deps.db, config, route.name, true, { forced: route.category === 'transactional' })));
  });

  router.post('/:name/resume', async (req, res) => {
    const route = routeNamed(req.params.name);
    res.json(view(await setJourneyPaused(deps.db, config, route.name, false)));
  });
  return router;
}
