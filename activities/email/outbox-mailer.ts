import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ClaimedMessage, EmailPayload, Mailer, OutgoingEmail } from './mailer';

/**
 * The local transport when no RESEND_API_KEY is set: the message is stored in the outbox
 * table (browsable at /outbox). Like Resend, a repeated idempotency key stores nothing new.
 */
export function createOutboxMailer(db: Pool): Mailer {
  // the outbox shows Reply-To among the headers, where a mail client would see it
  const headersOf = (email: EmailPayload) => (email.replyTo ? { 'Reply-To': email.replyTo, ...email.headers } : email.headers);
  return {
    name: 'outbox',
    /**
     * The claimed row (still this key's, pending, not handed over) is locked, the email stored
     * and the row marked sent, all or nothing: a crash leaves the claim to retry from scratch,
     * and a second attempt of the same claim (a worker thought dead) finds the row sent.
     * The customer's row is share-locked first, and only while not erased: erasure holds it
     * FOR UPDATE from before it empties the outbox until it has scrubbed the message log, so a
     * copy is stored either before (and erasure deletes it) or not at all. Customer before
     * message, the order erasure locks them in.
     */
    async sendClaimed(claim: ClaimedMessage, email: EmailPayload) {
      const { rows } = await db.query<{ provider_message_id: string }>(
        `WITH claimed AS (
           SELECT id FROM messages m WHERE id = $1 AND idempotency_key = $2 AND status = 'pending' AND delivery IS NULL
              AND customer_id = (SELECT c.id FROM customers c WHERE c.id = m.customer_id AND c.erased_at IS NULL FOR SHARE)
              FOR UPDATE OF m
         ), stored AS (
           INSERT INTO outbox (idempotency_key, provider_id, to_email, from_email, subject, html, text, headers)
           SELECT $2, $3, $4, $5, $6, $7, $8, $9 FROM claimed
           ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
           RETURNING provider_id
         )
         UPDATE messages m SET status = 'sent', provider_message_id = stored.provider_id, subject = $6, links = $10,
                skip_reason = NULL, delivery = NULL, payload = NULL, sent_at = now(), updated_at = now()
           FROM stored WHERE m.id = $1
         RETURNING m.provider_message_id`,
        [claim.messageId, claim.idempotencyKey, `outbox_${randomUUID()}`, email.to, email.from, email.subject, email.html, email.text,
         headersOf(email), JSON.stringify(claim.links)],
      );
      return rows[0] ? { providerMessageId: rows[0].provider_message_id } : undefined;
    },
    async send(email: OutgoingEmail) {
      const inserted = await db.query<{ provider_id: string }>(
        `INSERT INTO outbox (idempotency_key, provider_id, to_email, from_email, subject, html, text, headers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING provider_id`,
        [email.idempotencyKey, `outbox_${randomUUID()}`, email.to, email.from, email.subject, email.html, email.text, headersOf(email)],
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
