import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { Registry } from 'prom-client';
import { registry, storeMetrics } from '../metrics';
import { deadLetterRule, dispatchHealth } from '../../ingest/dead-letters';

const READINESS_TIMEOUT_MS = 3_000;

/** /healthz: the process answers. /readyz: Postgres and Temporal answer too. /metrics. */
export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [db, temporal, dispatch] = await Promise.all([
      deps.db.query('SELECT 1').then(() => 'ok', (err: Error) => err.message),
      // A probe must answer fast: an unreachable Temporal is "not ready", not a hung request.
      deps.temporal
        .withDeadline(Date.now() + READINESS_TIMEOUT_MS, () => deps.temporal.connection.workflowService.getSystemInfo({}))
        .then(() => 'ok', (err: Error) => err.message),
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
  const metrics = Registry.merge([registry, storeMetrics(deps.db)]);
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return router;
}
