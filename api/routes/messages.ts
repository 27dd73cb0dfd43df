import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors';
import type { ApiDeps } from '../deps';

export const MessagesQuerySchema = z.object({
  customerId: z.string().min(1).max(200).optional(),
  journey: z.string().min(1).max(100).optional(),
  status: z.enum(['pending', 'sent', 'skipped', 'deferred', 'failed', 'unconfirmed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().optional(),
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
