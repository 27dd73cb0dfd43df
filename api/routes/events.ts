import { Router } from 'express';
import { EventBatchSchema, EventSchema } from '../../ingest/event-schemas';
import { storeEvents, type IncomingEvent } from '../../ingest/store';
import { mayReachJourney } from '../../ingest/routes';
import { validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { eventsAccepted } from '../metrics';

/**
 * POST /v1/events — one event or `{ events: [...] }`. 202 once stored; dispatch follows.
 * A batch is all or nothing: one invalid event rejects the batch and stores none.
 */
export function eventsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const body = req.body as unknown;
    const isBatch = typeof body === 'object' && body !== null && 'events' in body;
    const parsed = isBatch ? EventBatchSchema.safeParse(body) : EventSchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    const incoming = (isBatch ? (parsed.data as { events: unknown[] }).events : [parsed.data]) as IncomingEvent[];
    const imported = isBatch && (parsed.data as { import?: boolean }).import === true;
    const stored = await storeEvents(deps.db, incoming, new Date(), { import: imported });
    for (const s of stored) eventsAccepted.inc({ duplicate: String(s.duplicate) });
    // Events that reach no journey are stored as dispatched: nothing for the relay to do.
    if (incoming.some((e, i) => !stored[i].duplicate && mayReachJourney(e))) deps.nudgeRelay();
    res.status(202).json(isBatch ? { accepted: stored } : stored[0]);
  });
  return router;
}
