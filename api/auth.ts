import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

/** `Authorization: Bearer <API_KEY>` on every /v1 route. */
export function requireApiKey(apiKey: string, name = 'API key'): RequestHandler {
  const expected = Buffer.from(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = Buffer.from(match?.[1]?.trim() ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    next(new ApiError(401, 'unauthorized', `Send the ${name} as "Authorization: Bearer <${name === 'API key' ? 'API_KEY' : name}>"`));
  };
}

/** JSON bodies only: anything else is a 415, not a silent empty body. */
export const requireJson: RequestHandler = (req, _res, next) => {
  // Only the methods /v1 routes take bodies with; any other method gets its 405 first.
  if (!['POST', 'PUT'].includes(req.method)) return next();
  // A POST without a body (a retry) has no media type to check; validation speaks about what is missing.
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return next();
  if (!req.is('application/json')) {
    return next(new ApiError(415, 'unsupported_media_type', 'Send the body as application/json'));
  }
  next();
};
