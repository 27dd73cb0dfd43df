import type { RequestHandler } from 'express';
import { ApiError } from './errors';

/**
 * Text Postgres cannot store, and shapes no shop sends, rejected before any handler sees them:
 * - U+0000 anywhere (Postgres text and jsonb cannot hold it);
 * - a lone UTF-16 surrogate (jsonb refuses the `\ud800` escape JSON.stringify writes for it);
 * - nesting deeper than MAX_DEPTH (a `[[[[…]]]]` bomb would otherwise exhaust the stack).
 * Each would otherwise surface as a database error or a crash (a 500) instead of a clear 422.
 */
export const MAX_DEPTH = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const found = findUnstorable({ path: decoded(req.path), query: req.query, body: req.body as unknown });
  if (found) return next(new ApiError(422, 'validation_failed', found.message, [{ path: found.path, message: found.message }]));
  next();
};

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function problemIn(text: string): string | undefined {
  if (text.includes('\u0000')) return 'Text must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(text)) return 'Text must be valid Unicode (no lone surrogate)';
  return undefined;
}

/** Walks the value without recursion, so depth is checked before it can hurt. */
function findUnstorable(root: unknown): { path: string; message: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const message = problemIn(value);
      if (message) return { path: path || '(value)', message };
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth > MAX_DEPTH) return { path: path || '(value)', message: `Nested more than ${MAX_DEPTH} levels deep` };
    for (const [key, item] of Object.entries(value)) {
      const message = problemIn(key);
      if (message) return { path: `${path}.${key.replace(/\u0000/g, '\\u0000')}`, message };
      stack.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return undefined;
}
