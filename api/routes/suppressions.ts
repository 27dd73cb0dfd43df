import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError, validationError } from '../errors';
import { suppress } from './webhooks';
import { pseudonym } from '../erasure';
import { email } from '../../ingest/event-schemas';
import { documentV1, error, json, registry } from '../route-docs';

/**
 * /v1/suppressions — addresses that get no mail at all, transactional included (hard bounces
 * and complaints arrive by webhook; the shop adds or removes others by hand). Keyed by the
 * lower-cased address, not by customer: a suppression outlives a customer's erasure.
 */
export const SuppressionReasonSchema = z.enum(['hard_bounce', 'complaint', 'manual']);

const emailSchema = email;

export const SuppressionsQuerySchema = z.object({
  reason: SuppressionReasonSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** the `nextCursor` of the previous page */
  cursor: z.string().max(500).optional(),
});

export const SuppressionPostSchema = z
  .object({
    email: emailSchema,
    reason: SuppressionReasonSchema.default('manual'),
    /** who or what asked for it, for the record */
    source: z.string().min(1).max(200).default('api'),
  })
  .strict();

const emailParams = z.object({ email: emailSchema });

const SuppressionSchema = registry.register(
  'Suppression',
  z.object({ email: z.string(), reason: SuppressionReasonSchema, source: z.string(), createdAt: z.string() }),
);

documentV1({
  method: 'get',
  path: '/v1/suppressions',
  summary: 'Suppressed addresses (no mail at all, transactional included), newest first',
  description: "Page with `cursor` = the previous answer's `nextCursor`.",
  request: { query: SuppressionsQuerySchema },
  responses: {
    200: json(z.object({ suppressions: z.array(SuppressionSchema), nextCursor: z.string().nullable() }), 'Suppressions'),
  },
});
documentV1({
  method: 'get',
  path: '/v1/suppressions/{email}',
  summary: 'Whether one address is suppressed, and why',
  request: { params: emailParams },
  responses: { 200: json(SuppressionSchema, 'Suppressed'), 404: error('Not suppressed') },
});
documentV1({
  method: 'post',
  path: '/v1/suppressions',
  summary: 'Suppress an address by hand (default reason: manual)',
  request: { body: { required: true, content: { 'application/json': { schema: registry.register('SuppressionRequest', SuppressionPostSchema) } } } },
  responses: { 201: json(SuppressionSchema, 'Suppressed'), 200: json(SuppressionSchema, 'Was already suppressed') },
});
documentV1({
  method: 'delete',
  path: '/v1/suppressions/{email}',
  summary: 'Lift a suppression (recorded in the audit log)',
  request: { params: emailParams },
  responses: { 204: { description: 'Lifted' }, 404: error('Not suppressed') },
});

function emailParam(raw: string): string {
  const parsed = emailSchema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error, 'path');
  return parsed.data;
}

export interface SuppressionView {
  email: string;
  reason: z.infer<typeof SuppressionReasonSchema>;
  source: string;
  createdAt: string;
}

interface Cursor {
  /** created_at as Postgres prints it: microseconds survive the round trip */
  at: string;
  email: string;
}

const toView = (r: { email: string; reason: SuppressionView['reason']; source: string; created_at: Date }): SuppressionView => ({
  email: r.email,
  reason: r.reason,
  source: r.source,
  createdAt: r.created_at.toISOString(),
});

export function suppressionsRouter(deps: ApiDeps): Router {
  const router = Router();

  /** Newest first; page with the opaque `cursor` of the previous answer. */
  router.get('/', async (req, res) => {
    const q = SuppressionsQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error, 'query');
    const { reason, limit, cursor } = q.data;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const { rows } = await deps.db.query(
      `SELECT email, reason, source, created_at, created_at::text AS at_exact FROM suppressions
        WHERE ($1::text IS NULL OR reason = $1)
          AND ($2::timestamptz IS NULL OR (created_at, email) < ($2::timestamptz, $3::text))
        ORDER BY created_at DESC, email DESC LIMIT $4`,
      [reason ?? null, after?.at ?? null, after?.email ?? null, limit],
    );
    const last = rows[rows.length - 1];
    res.json({
      suppressions: rows.map(toView),
      nextCursor:
        rows.length === limit && last
          ? Buffer.from(JSON.stringify({ at: last.at_exact, email: last.email } satisfies Cursor)).toString('base64url')
          : null,
    });
  });

  router.get('/:email', async (req, res) => {
    const found = await findSuppression(deps, emailParam(req.params.email));
    if (!found) throw new ApiError(404, 'not_found', 'This address is not suppressed');
    res.json(found);
  });

  router.post('/', async (req, res) => {
    const parsed = SuppressionPostSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const existed = await findSuppression(deps, parsed.data.email);
    await suppress(deps.db, [parsed.data.email], parsed.data.reason, parsed.data.source);
    res.status(existed ? 200 : 201).json(await findSuppression(deps, parsed.data.email));
  });

  router.delete('/:email', async (req, res) => {
    const { rows } = await deps.db.query(
      'DELETE FROM suppressions WHERE email = lower($1) RETURNING email, reason, source',
      [emailParam(req.params.email)],
    );
    if (!rows[0]) throw new ApiError(404, 'not_found', 'This address is not suppressed');
    // Lifting a suppression is a decision someone must be able to account for later.
    await deps.db.query(`INSERT INTO audit_log (action, subject, details) VALUES ('unsuppress', $1, $2)`, [
      `email:${pseudonym(deps.config.pseudonymSecret, rows[0].email)}`,
      JSON.stringify({ reason: rows[0].reason, source: rows[0].source }),
    ]);
    res.status(204).end();
  });

  return router;
}

async function findSuppression(deps: ApiDeps, email: string): Promise<SuppressionView | undefined> {
  const { rows } = await deps.db.query('SELECT email, reason, source, created_at FROM suppressions WHERE email = lower($1)', [email]);
  return rows[0] ? toView(rows[0]) : undefined;
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.email === 'string' && typeof c.at === 'string' && /^\d{4}-\d\d-\d\d[ T][\d:.]+[+-]\d\d(:?\d\d)?$/.test(c.at)) return c;
  } catch {
    // fall through
  }
  throw new ApiError(422, 'validation_failed', 'cursor is not one this API gave out', [{ path: 'cursor', message: 'invalid' }]);
}
