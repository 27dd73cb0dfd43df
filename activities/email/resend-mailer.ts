import { Resend } from 'resend';
import { PermanentSendError, type Mailer, type OutgoingEmail } from './mailer';

/**
 * Resend returns `{ data, error }` instead of throwing. 429 and 5xx (and network failures,
 * which come back without a status) are transient: we throw a plain Error so the activity
 * retries with backoff. Other 4xx are the message's fault and will not get better.
 * 409 means the same idempotency key is still being processed: retry.
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
          tags: email.tags,
        },
        // A hung request must not hold the activity until its own timeout: abort, and the retry
        // carries the same idempotency key (Resend answers it with the first result).
        { idempotencyKey: email.idempotencyKey, signal: AbortSignal.timeout(options.timeoutMs ?? 20_000) },
      );
      if (error) {
        const status = (error as { statusCode?: number | null }).statusCode ?? null;
        const transient = status === null || status === 409 || status === 429 || status >= 500;
        const message = `resend ${status ?? 'network'} ${error.name}: ${error.message}`;
        if (transient) throw new Error(message);
        throw new PermanentSendError(message, error.name);
      }
      if (!data?.id) throw new Error('resend answered without a message id');
      return { providerMessageId: data.id };
    },
  };
}
