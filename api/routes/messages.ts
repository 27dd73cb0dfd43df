import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { documentV1, json, shopId } from '../route-docs';

export const MessagesQuerySchema = z.object({
  customerId: shopId.optional(),
  journey: z.string().min(1).max(100).optional(),
  status: z.enum(['pending', 'sent', 'skipped', 'deferred', 'failed', 'unconfirmed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

const timestamp = z.string().nullable();
const MessageSchema = z
  .object({
    id: z.number().int(),
    customerId: z.string(),
    journey: z.string(),
    step: z.string(),
    workflowId: z.string(),
    template: z.string(),
    subject: z.string().nullable(),
    category: z.enum(['transactional', 'marketing']),
    status: z.enum(['pending', 'sent', 'skipped', 'deferred', 'failed', 'unconfirmed']),
    skipReason: z.string().nullable(),
    to: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    createdAt: z.string(),
    sentAt: timestamp,
    deliveredAt: timestamp,
    openedAt: timestamp,
    clickedAt: timestamp,
    bouncedAt: timestamp,
    complainedAt: timestamp,
  })
  .openapi('Message');

documentV1({
  method: 'get',
  path: '/v1/messages',
  summary: 'The message log, newest first (page with `before`)',
  request: { query: MessagesQuerySchema },
  responses: {
    200: json(z.object({ messages: z.array(MessageSchema), nextBefore: z.number().int().nullable() }), 'Messages'),
  },
});

/** GET /v1/messages — the message log, newest first, paged with `before=<id>`. */
export function messagesRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const q = MessagesQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error, 'query');
    const { customerId, journey, status, limit, before } = q.data;
    const { rows } = await deps.db.query(
      `SELECT * FROM messages
        WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR journey = $2)
          AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [customerId ?? null, journey ?? null, status ?? null, before ?? null, limit],
    );
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    res.json({
      messages: rows.map((r) => ({
        id: Number(r.id),
        customerId: r.customer_id,
        journey: r.journey,
        step: r.step,
        workflowId: r.workflow_id,
        template: r.template,
        subject: r.subject,
        category: r.category,
        status: r.status,
        skipReason: r.skip_reason,
        to: r.to_email,
        providerMessageId: r.provider_message_id,
        createdAt: iso(r.created_at),
        sentAt: iso(r.sent_at),
        deliveredAt: iso(r.delivered_at),
        openedAt: iso(r.opened_at),
        clickedAt: iso(r.clicked_at),
        bouncedAt: iso(r.bounced_at),
        complainedAt: iso(r.complained_at),
      })),
      nextBefore: rows.length === limit ? Number(rows[rows.length - 1].id) : null,
    });
  });
  return router;
}
