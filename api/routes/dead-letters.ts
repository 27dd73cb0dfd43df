import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError, validationError } from '../errors';
import { deadLetterRule, listDeadLetters, retryDeadLetter } from '../../ingest/dead-letters';

export const DeadLettersQuerySchema = z.object({
  customerId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const EventIdParam = z.string().min(1).max(200);

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
