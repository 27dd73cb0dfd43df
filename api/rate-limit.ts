import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

/**
 * Requests per minute per API key on /v1 (API_RATE_LIMIT_PER_MINUTE; 0 turns it off). The
 * default is generous — a shop's backfill or our own bench is not throttled — and only stops a
 * runaway client or a leaked key from flooding the event store. Requests without the right key
 * are counted per client address, so guessing keys is limited too. A fixed one-minute window
 * per client, counted in this process: with several API replicas the limit is per replica.
 * Cheap on the hot path: one Map lookup and an increment per request.
 */
const WINDOW_MS = 60_000;
/** Client addresses kept at most, so a flood of distinct addresses cannot grow memory without bound. */
const MAX_CLIENTS = 100_000;

export function apiRateLimit(apiKey: string, perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  const keyClient = `key:${createHash('sha256').update(apiKey).digest('hex')}`;
  const expected = `Bearer ${apiKey}`;
  let windowStart = Date.now();
  let counts = new Map<string, number>();
  return (req, res, next) => {
    const now = Date.now();
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now - ((now - windowStart) % WINDOW_MS);
      counts = new Map();
    }
    const client = req.get('authorization') === expected ? keyClient : `client:${req.ip}`;
    if (!counts.has(client) && counts.size >= MAX_CLIENTS) counts.clear();
    const used = (counts.get(client) ?? 0) + 1;
    counts.set(client, used);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    res.set('RateLimit', `limit=${perMinute}, remaining=${Math.max(0, perMinute - used)}, reset=${resetSeconds}`);
    if (used <= perMinute) return next();
    res.set('Retry-After', String(resetSeconds));
    next(new ApiError(429, 'rate_limited', `More than ${perMinute} requests a minute: retry after ${resetSeconds} s`));
  };
}
