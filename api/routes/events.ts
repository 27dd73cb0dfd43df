import { Router } from 'express';
import { EventBatchSchema, EventSchema } from '../../ingest/event-schemas';
import { storeAndLease, type IncomingEvent } from '../../ingest/store';
import { dispatchLaneOf, mayReachJourney } from '../../ingest/routes';
import { validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { eventsAccepted } from '../metrics';
import { documentV1, json } from '../route-docs';
import { z } from 'zod';

const Accepted = z.object({ id: z.string(), duplicate: z.boolean() }).openapi('AcceptedEvent');

documentV1({
  method: 'post',
  path: '/v1/events',
  summary: 'Ingest one event or a batch',
  description:
    'Stored durably before the answer; dispatched to journeys after. A repeated `id` is accepted (duplicate: true) and not applied twice. A batch is all or nothing.',
  request: { body: { required: true, content: { 'application/json': { schema: z.union([EventSchema, EventBatchSchema]) } } } },
  responses: {
    202: json(z.union([Accepted, z.object({ accepted: z.array(Accepted) })]), 'Stored; will be applied once'),
  },
});

/**
 * POST /v1/events — one event or `{ events: [...] }`. 202 once stored; dispatch follows.
 * A batch is all or nothing: one invalid event rejects the batch and stores none.
 */
export function eventsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const body = req.body as unknown;
    // Whichever shape the body is valid as (the document's anyOf); the error speaks of the one it looks like.
    const single = EventSchema.safeParse(body);
    const batch = single.success ? undefined : EventBatchSchema.safeParse(body);
    const isBatch = batch?.success === true;
    const parsed = single.success ? single : batch!;
    if (!parsed.success) {
      const looksLikeBatch = typeof body === 'object' && body !== null && 'events' in body && !('type' in body);
      throw validationError(looksLikeBatch ? parsed.error : single.error!);
    }
    const incoming = (isBatch ? (parsed.data as { events: unknown[] }).events : [parsed.data]) as IncomingEvent[];
    const imported = isBatch && (parsed.data as { import?: boolean }).import === true;
    // The heads this request stores go straight to the relay of this process, leased to it in
    // the statement that stores them (ingest/relay.ts, `handOff`): no claim, no pass to wait for.
    const routed = imported ? [] : incoming.filter((e) => mayReachJourney(e));
    const handOff = routed.length ? deps.handOffToRelay?.(new Set(routed.map((e) => e.customerId)).size) : undefined;
    let stored, leased;
    try {
      ({ stored, leased } = await storeAndLease(deps.db, incoming, new Date(), { import: imported, lease: handOff?.lease }));
    } catch (err) {
      handOff?.cancel();
      throw err;
    }
    handOff?.take(leased);
    for (const s of stored) eventsAccepted.inc({ duplicate: String(s.duplicate) });
    // Events that reach no journey are stored as dispatched: nothing for the relay to do. A
    // customer whose head was handed off needs no pass either: the hand-off goes on down the line.
    const handedOff = new Set(leased.map((r) => r.customer_id));
    const fresh = incoming.filter((e, i) => !stored[i].duplicate && !imported && mayReachJourney(e) && !handedOff.has(e.customerId));
    if (fresh.length) deps.nudgeRelay(fresh.some((e) => dispatchLaneOf(e) === 0) ? 0 : 1);
    res.status(202).json(isBatch ? { accepted: stored } : stored[0]);
  });
  return router;
}
