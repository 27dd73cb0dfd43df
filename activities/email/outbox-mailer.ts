import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Mailer, OutgoingEmail } from './mailer';

/**
 * The local transport when no RESEND_API_KEY is set: the message is stored in the outbox
 * table (browsable at /outbox). Like Resend, a repeated idempotency key stores nothing new.
 */
export function createOutboxMailer(db: Pool): Mailer {
  return {
    name: 'outbox',
    async send(email: OutgoingEmail) {
      const inserted = await db.query<{ provider_id: string }>(
        `INSERT INTO outbox (idempotency_key, provider_id, to_email, from_email, subject, html, text, headers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING provider_id`,
        [email.idempotencyKey, `outbox_${randomUUID()}`, email.to, email.from, email.subject, email.html, email.text,
         // the outbox shows Reply-To among the headers, where a mail client would see it
         email.replyTo ? { 'Reply-To': email.replyTo, ...email.headers } : email.headers],
      );
      if (inserted.rows[0]) return { providerMessageId: inserted.rows[0].provider_id };
      const existing = await db.query<{ provider_id: string }>(
        'SELECT provider_id FROM outbox WHERE idempotency_key = $1',
        [email.idempotencyKey],
      );
      return { providerMessageId: existing.rows[0].provider_id };
    },
  };
}
