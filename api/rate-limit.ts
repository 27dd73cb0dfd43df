import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ApiError } from './errors';

/**
 * Requests per minute per API key on /v1 (API_RATE_LIMIT_PER_MINUTE; 0 turns it off). The
 * default is generous — a shop's backfill or our own bench is not throttled — and only stops a
 * runaway client or a leaked key from flooding the event store. Requests without the right key
 * are counted per client address, so guessing keys is limited too. Counts live in this process:
 * with several API replicas the effective limit is per replica.
 */
export function apiRateLimit(apiKey: string, perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  const keyHash = createHash('sha256').update(apiKey).digest('hex');
  const expected = `Bearer ${apiKey}`;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => (req.get('authorization') === expected ? `key:${keyHash}` : `client:${ipKeyGenerator(req.ip ?? '')}`),
    handler: (req, res, next) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      res.set('Retry-After', String(seconds));
      next(new ApiError(429, 'rate_limited', `More than ${perMinute} requests a minute: retry after ${seconds} s`));
    },
  });
}
