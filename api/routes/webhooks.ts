import express, { Router } from 'express';
import type { Pool, PoolClient } from 'pg';
import { Webhook } from 'svix';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { withTransaction } from '../../db/transaction';
import { NEW_SHOP_WEBHOOK_ID } from '../shop-webhooks';
import { documentPublic, error, json } from '../route-docs';
import { ERASED_PREFIX } from '../erasure';
import { recordEngagement } from '../../ingest/engagement';
import { defaultMachineSettings, machineSettings, type MachineSettings } from '../../ingest/machine-engagement';

/**
 * POST /webhooks/resend — Resend's delivery events, signed by Svix. The signature covers the
 * exact bytes sent, so this route reads the raw body (mounted before any JSON parser) and
 * verifies before parsing. svix rejects a timestamp more than 5 minutes off (replays).
 * Each svix-id is applied once: recording it and applying the event share a transaction,
 * so a crash mid-way lets Resend's retry apply it, and a retry after success is a no-op.
 */
export function resendWebhookRouter(deps: ApiDeps): Router {
  const router = Router();
  const secret = deps.config.mail.webhookSecret;
  const verifier = secret ? new Webhook(secret) : undefined;

  router.post('/webhooks/resend', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (!verifier) {
      throw new ApiError(503, 'webhook_not_configured', 'Set RESEND_WEBHOOK_SECRET to accept Resend webhooks');
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const headers = {
      'svix-id': req.get('svix-id') ?? '',
      'svix-timestamp': req.get('svix-timestamp') ?? '',
      'svix-signature': req.get('svix-signature') ?? '',
    };
    try {
      verifier.verify(raw, headers);
    } catch {
      throw new ApiError(400, 'invalid_signature', 'The Svix signature is missing, wrong or too old');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
    }
    const event = ResendEventSchema.safeParse(payload);
    if (!event.success) throw new ApiError(422, 'validation_failed', 'Not a Resend email event');
    const applied = await applyResendEvent(deps.db, headers['svix-id'], event.data, payload, machineSettings(deps.config.journeys.engagement));
    // A person's first open or click is now an event for the journey that sent the message.
    if (applied && ENGAGEMENT_KINDS[event.data.type]) deps.nudgeRelay();
    res.status(200).json({ received: true, duplicate: !applied });
  });

  return router;
}

const ResendEventSchema = z.object({
  type: z.string().min(1).max(100),
  created_at: z.string().optional(),
  data: z
    .object({
      email_id: z.string().optional(),
      to: z.union([z.array(z.string()), z.string()]).optional(),
      bounce: z.object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() }).optional(),
      // Resend's opened/clicked events say who fetched: the classifier tells a person from a proxy or scanner.
      open: z.object({ ipAddress: z.string().optional(), userAgent: z.string().optional() }).passthrough().optional(),
      click: z.object({ ipAddress: z.string().optional(), userAgent: z.string().optional(), link: z.string().optional() }).passthrough().optional(),
    })
    .passthrough(),
});
export type ResendEvent = z.infer<typeof ResendEventSchema>;

documentPublic({
  method: 'post',
  path: '/webhooks/resend',
  summary: 'Resend delivery events (Svix-signed; RESEND_WEBHOOK_SECRET)',
  description:
    'Verifies svix-id/svix-timestamp/svix-signature on the raw body (stale > 5 min rejected), applies each svix-id once. ' +
    'delivered/opened/clicked set the message log timestamps; a permanent bounce or a complaint suppresses the address; a soft bounce is only recorded.',
  request: {
    headers: z.object({ 'svix-id': z.string(), 'svix-timestamp': z.string(), 'svix-signature': z.string() }),
    body: { required: true, content: { 'application/json': { schema: ResendEventSchema } } },
  },
  responses: {
    200: json(z.object({ received: z.literal(true), duplicate: z.boolean() }), 'Applied (or a duplicate svix-id)'),
    400: error('Bad, missing or stale signature, or not JSON'),
    413: error('Body too large'),
    422: error('Signed, but not a Resend email event'),
    503: error('RESEND_WEBHOOK_SECRET not set'),
  },
});

/** The message-log column each delivery event sets (first occurrence wins). */
const TIMESTAMP_COLUMN: Record<string, string> = {
  'email.delivered': 'delivered_at',
};
/** Opens and clicks go through the engagement record (human or machine; journeys hear of the first human one). */
const ENGAGEMENT_KINDS: Record<string, 'open' | 'click'> = { 'email.opened': 'open', 'email.clicked': 'click' };

/** false when this svix-id was applied before. */
export async function applyResendEvent(
  db: Pool,
  svixId: string,
  event: ResendEvent,
  payload: unknown,
  machine: MachineSettings = defaultMachineSettings,
): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    // About a message of an erased customer: the event may still mark the (anonymous) log
    // row, but neither its payload nor its recipients are stored again.
    const erased = await aboutErasedCustomer(tx, event.data.email_id);
    const fresh = await tx.query(
      'INSERT INTO webhook_events (svix_id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (svix_id) DO NOTHING',
      [svixId, event.type, erased ? '{}' : JSON.stringify(payload)],
    );
    // Already applied: the insert did nothing, so there is nothing to undo either.
    if (!fresh.rowCount) return false;
    await applyToMessageLog(tx, svixId, erased ? { ...event, data: { ...event.data, to: undefined } } : event, erased, machine);
    return true;
  });
}

async function aboutErasedCustomer(tx: PoolClient, providerId: string | undefined): Promise<boolean> {
  if (!providerId) return false;
  const { rows } = await tx.query<{ customer_id: string }>('SELECT customer_id FROM messages WHERE provider_message_id = $1 LIMIT 1', [providerId]);
  return rows[0]?.customer_id.startsWith(ERASED_PREFIX) ?? false;
}

async function applyToMessageLog(
  tx: PoolClient,
  svixId: string,
  event: ResendEvent,
  erased: boolean,
  machine: MachineSettings,
): Promise<void> {
  const at = event.created_at && !Number.isNaN(Date.parse(event.created_at)) ? new Date(event.created_at) : new Date();
  const providerId = event.data.email_id;
  const kind = ENGAGEMENT_KINDS[event.type];
  if (kind && providerId) {
    const who = kind === 'open' ? event.data.open : event.data.click;
    await recordEngagement(tx, { message: { providerMessageId: providerId }, kind, at, source: 'resend', userAgent: who?.userAgent, ip: who?.ipAddress }, machine);
    return;
  }
  const column = TIMESTAMP_COLUMN[event.type];
  if (column && providerId) {
    await tx.query(`UPDATE messages SET ${column} = coalesce(${column}, $2), updated_at = now() WHERE provider_message_id = $1`, [
      providerId,
      at,
    ]);
    return;
  }
  if (event.type === 'email.bounced') {
    // Only a permanent bounce says the address is bad; a full mailbox may work tomorrow.
    const hard = event.data.bounce?.type?.toLowerCase() === 'permanent';
    const recipients = await recipientsOf(tx, event, providerId);
    if (providerId) {
      await tx.query(
        `UPDATE messages SET bounced_at = coalesce(bounced_at, $2), bounce_type = CASE WHEN $3 THEN 'hard' ELSE coalesce(bounce_type, 'soft') END,
                updated_at = now() WHERE provider_message_id = $1`,
        [providerId, at, hard],
      );
    }
    if (hard && !erased) await suppress(tx, recipients, 'hard_bounce', `resend:${svixId}`);
    return;
  }
  if (event.type === 'email.complained') {
    const recipients = await recipientsOf(tx, event, providerId);
    if (providerId) {
      await tx.query(`UPDATE messages SET complained_at = coalesce(complained_at, $2), updated_at = now() WHERE provider_message_id = $1`, [
        providerId,
        at,
      ]);
    }
    if (!erased) await suppress(tx, recipients, 'complaint', `resend:${svixId}`);
  }
  // Other types (sent, delivery_delayed, …) stay in webhook_events only.
}

/** The addresses the event is about: from the payload, else from our own log. */
async function recipientsOf(tx: PoolClient, event: ResendEvent, providerId: string | undefined): Promise<string[]> {
  const to = event.data.to;
  const listed = (Array.isArray(to) ? to : to ? [to] : []).map(bareAddress).filter(Boolean);
  if (listed.length || !providerId) return listed;
  const { rows } = await tx.query<{ to_email: string }>(
    'SELECT to_email FROM messages WHERE provider_message_id = $1 AND to_email IS NOT NULL',
    [providerId],
  );
  return rows.map((r) => r.to_email.toLowerCase());
}

/** "Ada <ada@example.com>" → "ada@example.com". */
function bareAddress(value: string): string {
  const angle = /<([^>]+)>/.exec(value);
  return (angle ? angle[1] : value).trim().toLowerCase();
}

export async function suppress(
  db: Pick<PoolClient, 'query'>,
  emails: string[],
  reason: 'hard_bounce' | 'complaint' | 'manual',
  source: string,
): Promise<void> {
  for (const email of emails) {
    // A complaint is the strongest reason and replaces a bounce; otherwise the first one stays.
    // The shop hears of every new or strengthened suppression, in the same statement.
    await db.query(
      `WITH suppressed AS (
         INSERT INTO suppressions (email, reason, source) VALUES (lower($1), $2, $3)
         ON CONFLICT (email) DO UPDATE SET reason = EXCLUDED.reason, source = EXCLUDED.source
           WHERE EXCLUDED.reason = 'complaint' AND suppressions.reason <> 'complaint'
         RETURNING email, reason, created_at)
       INSERT INTO shop_webhooks (webhook_id, type, payload)
       SELECT ${NEW_SHOP_WEBHOOK_ID}, 'email.suppressed',
              jsonb_build_object('email', email, 'reason', reason, 'source', $3::text, 'occurredAt', $4::text) FROM suppressed`,
      [email, reason, source, new Date().toISOString()],
    );
  }
}
