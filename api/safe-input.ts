import type { RequestHandler } from 'express';
import { ApiError } from './errors';

/**
 * Postgres text and jsonb cannot hold U+0000: a NUL anywhere in a body, path or query would
 * otherwise surface as a database error (a 500) instead of a clear 422.
 */
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const where = findNul({ path: decoded(req.path), query: req.query, body: req.body as unknown });
  if (where) return next(new ApiError(422, 'validation_failed', 'Text must not contain NUL (\\u0000) characters', [{ path: where, message: 'contains \\u0000' }]));
  next();
};

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function findNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(value)' : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNul(item, `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path}.${key.replace(/\u0000/g, '\\u0000')}`;
      const found = findNul(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}
