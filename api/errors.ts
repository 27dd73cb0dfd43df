import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';

/** The one error envelope: `{ "error": { "code", "message", "details"? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function validationError(err: ZodError, where = 'body'): ApiError {
  return new ApiError(
    422,
    'validation_failed',
    `The request ${where} is not valid`,
    err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/**
 * A documented path asked with a method it does not answer: 405 with `Allow`, not a 404 that
 * would say the resource is missing. OPTIONS answers the same `Allow` with 204.
 */
export function methodNotAllowed(paths: () => { pattern: RegExp; methods: string[] }[]): RequestHandler {
  return (req, res, next) => {
    const match = paths().find((p) => p.pattern.test(req.path));
    if (!match || match.methods.includes(req.method)) return next();
    res.set('Allow', match.methods.join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(new ApiError(405, 'method_not_allowed', `${req.method} is not allowed here; allowed: ${match.methods.join(', ')}`));
  };
}

export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const e = toApiError(err);
    if (e.status >= 500) log.error({ err }, 'request failed');
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return validationError(err);
  // body-parser errors carry a status and a type.
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'The request body is too large');
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new ApiError(415, 'unsupported_media_type', e.message ?? 'Unsupported encoding');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    const code = (err as { code?: unknown }).code;
    return new ApiError(e.status, typeof code === 'string' ? code : 'bad_request', e.message ?? 'Bad request');
  }
  return new ApiError(500, 'internal', 'Something went wrong on our side');
}
