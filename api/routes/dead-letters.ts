import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError, validationError } from '../errors';
import { deadLetterRule, listDeadLetters, retryDeadLetter } from '../../ingest/dead-letters';
import { documentV1, error, json, registry, shopId } from '../route-docs';

export const DeadLettersQuerySchema = z.object({
  customerId: shopId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const EventIdParam = shopId;

const DeadLetterSchema = registry.register(
  'DeadLetter',
  z.object({
    id: z.string(),
    type: z.string(),
    customerId: z.string(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    deadLetteredAt: z.string(),
    attempts: z.number().int(),
    error: z.string().nullable(),
    holding: z.boolean().openapi({ description: "the customer's later events wait behind it now" }),
    holdsUntil: z.string().nullable().openapi({ description: 'when they stop waiting (null: until retried, or already released)' }),
    waitingBehind: z.number().int().openapi({ description: "the customer's later events waiting behind it" }),
  }),
);
documentV1({
  method: 'get',
  path: '/v1/dead-letters',
  summary: 'Events the relay gave up on after DISPATCH_MAX_ATTEMPTS failed attempts, oldest first',
  description:
    "A dead letter keeps its customer's later events waiting for DISPATCH_DEAD_LETTER_HOLD (default 15 minutes; `forever` = until retried), then they go on. `rule` states the rule in force. An unreachable Temporal never dead-letters an event.",
  request: { query: DeadLettersQuerySchema },
  responses: { 200: json(z.object({ rule: z.string(), deadLetters: z.array(DeadLetterSchema) }), 'Dead letters') },
});
documentV1({
  method: 'post',
  path: '/v1/dead-letters/{id}/retry',
  summary: 'Give a dead-lettered event a fresh set of attempts',
  description:
    "Still holding its customer's later events, it is dispatched next, ahead of them; after the hold, it joins the back of the customer's line.",
  request: { params: z.object({ id: EventIdParam }) },
  responses: { 202: json(z.object({ id: z.string(), retried: z.literal(true) }), 'Queued for dispatch'), 404: error('No dead letter with this id') },
});

/** /v1/dead-letters — events the relay gave up on: list them, retry one once its cause is fixed. */
export function deadLettersRouter(deps: ApiDeps): Router {
  const router = Router();
  const holdMs = deps.config.dispatch.deadLetterHoldMs;

  router.get('/', async (req, res) => {
    const query = DeadLettersQuerySchema.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const deadLetters = await listDeadLetters(deps.db, holdMs, query.data);
    res.json({ rule: deadLetterRule(holdMs), deadLetters });
  });

  router.post('/:id/retry', async (req, res) => {
    const id = EventIdParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    if (!(await retryDeadLetter(deps.db, id.data))) {
      throw new ApiError(404, 'not_found', `No dead-lettered event ${id.data}`);
    }
    deps.nudgeRelay();
    res.status(202).json({ id: id.data, retried: true });
  });
  return router;
}
