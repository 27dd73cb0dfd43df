import { Resend } from 'resend';
import { createHash } from 'node:crypto';
import { IdempotencyKeyUsedError, PermanentSendError, ProviderRefusedError, type Mailer, type OutgoingEmail } from './mailer';

/** Resend accepts idempotency keys of 1–256 characters. */
const MAX_IDEMPOTENCY_KEY = 256;

/**
 * Our keys (`<workflowId>/<step>[/<iteration>]`) grow with customer and order ids. One that
 * does not fit keeps a readable prefix and ends in a hash of the whole key: deterministic, so
 * every retry presents the provider the same key.
 */
export function providerIdempotencyKey(key: string): string {
  // An HTTP header holds printable ASCII only: ids in other scripts are hashed as well.
  const printable = key.replace(/[^\x20-\x7e]/g, '_');
  if (printable === key && key.length <= MAX_IDEMPOTENCY_KEY) return key;
  const digest = `#sha256:${createHash('sha256').update(key).digest('hex')}`;
  return printable.slice(0, MAX_IDEMPOTENCY_KEY - digest.length) + digest;
}

/**
 * Resend returns `{ data, error }` instead of throwing. What each failure tells the send path:
 * - 429: definitely not accepted ({@link ProviderRefusedError}); the retry decides afresh;
 * - 409 `invalid_idempotent_request`: the key was used with another body, so an earlier
 *   attempt was accepted ({@link IdempotencyKeyUsedError});
 * - 409 `concurrent_idempotent_requests`, 5xx, network failures (no status): in doubt — the
 *   activity retries with the same key and body, and the provider dedupes;
 * - other 4xx: the message's fault, it will not get better ({@link PermanentSendError}).
 */
export function createResendMailer(options: { apiKey: string; baseUrl?: string; timeoutMs?: number }): Mailer {
  const resend = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  return {
    name: 'resend',
    async send(email: OutgoingEmail) {
      const { data, error } = await resend.emails.send(
        {
          from: email.from,
          to: [email.to],
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers: email.headers,
          ...(email.replyTo ? { replyTo: email.replyTo } : {}),
          tags: email.tags,
        },
        // A hung request must not hold the activity until its own timeout: abort, and the retry
        // carries the same idempotency key (Resend answers it with the first result).
        { idempotencyKey: providerIdempotencyKey(email.idempotencyKey), signal: AbortSignal.timeout(options.timeoutMs ?? 20_000) },
      );
      if (error) {
        const status = (error as { statusCode?: number | null }).statusCode ?? null;
        const message = `resend ${status ?? 'network'} ${error.name}: ${error.message}`;
        if (status === 429) throw new ProviderRefusedError(message);
        if (status === 409 && error.name === 'invalid_idempotent_request') throw new IdempotencyKeyUsedError(message);
        if (status === null || status === 409 || status >= 500) throw new Error(message);
        throw new PermanentSendError(message, error.name);
      }
      if (!data?.id) throw new Error('resend answered without a message id');
      return { providerMessageId: data.id };
    },
  };
}
