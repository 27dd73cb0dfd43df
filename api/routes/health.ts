import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { Registry } from 'prom-client';
import { registry, storeMetrics } from '../metrics';
import { deadLetterRule, dispatchHealth } from '../../ingest/dead-letters';
import { documentPublic, error, json } from '../route-docs';
import { requireApiKey } from '../auth';
import { z } from 'zod';

const Readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ postgres: z.enum(['ok', 'unavailable']), temporal: z.enum(['ok', 'unavailable']) }),
  dispatch: z.object({}).passthrough().optional().openapi({ description: 'the relay backlog, dead letters and the dead-letter rule' }),
});
documentPublic({
  method: 'get',
  path: '/healthz',
  summary: 'The process answers',
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
});
documentPublic({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (bounded labels; store gauges cached for METRICS_CACHE_SECONDS)',
  description: 'With METRICS_TOKEN set, send it as `Authorization: Bearer <METRICS_TOKEN>`.',
  responses: {
    200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
    401: error('METRICS_TOKEN is set and was not sent'),
  },
});
documentPublic({
  method: 'get',
  path: '/readyz',
  summary: 'Postgres and Temporal answer (within 3 s); the reasons go to the log, not to the caller',
  responses: { 200: json(Readiness, 'Ready'), 503: json(Readiness, 'Not ready') },
});

const READINESS_TIMEOUT_MS = 3_000;

/** /healthz: the process answers. /readyz: Postgres and Temporal answer too. /metrics. */
export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    // The reasons go to our log; the public only learns "unavailable".
    const failed = (check: string) => (err: Error) => {
      deps.log.warn({ check, err: err.message }, 'readiness check failed');
      return 'unavailable' as const;
    };
    const [db, temporal, dispatch] = await Promise.all([
      deps.db.query('SELECT 1').then(() => 'ok' as const, failed('postgres')),
      // A probe must answer fast: an unreachable Temporal is "not ready", not a hung request.
      deps.temporal
        .withDeadline(Date.now() + READINESS_TIMEOUT_MS, () => deps.temporal.connection.workflowService.getSystemInfo({}))
        .then(() => 'ok' as const, failed('temporal')),
      dispatchHealth(deps.db).catch(() => undefined),
    ]);
    const ready = db === 'ok' && temporal === 'ok';
    // The backlog and dead letters are detail for a person, not a reason to take the API out of a load balancer.
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ok' : 'unavailable',
      checks: { postgres: db, temporal },
      dispatch: dispatch && { ...dispatch, deadLetterRule: deadLetterRule(deps.config.dispatch.deadLetterHoldMs) },
    });
  });
  const metrics = Registry.merge([registry, storeMetrics(deps.db, deps.config.metrics.cacheSeconds)]);
  const metricsToken = deps.config.metrics.token;
  router.get('/metrics', metricsToken ? requireApiKey(metricsToken, 'METRICS_TOKEN') : (_req, _res, next) => next(), async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return router;
}
