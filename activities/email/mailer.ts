/** The one seam between the send path and a mail provider (Resend, or the local outbox). */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** deterministic per (workflow, step, iteration): the provider drops a repeat */
  idempotencyKey: string;
  tags?: { name: string; value: string }[];
}

export interface Mailer {
  readonly name: string;
  send(email: OutgoingEmail): Promise<{ providerMessageId: string }>;
}

/**
 * A failure the provider will repeat however often we ask (bad recipient, invalid payload).
 * Anything else a mailer throws is taken as transient and retried by the activity.
 */
export class PermanentSendError extends Error {
  constructor(
    message: string,
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'PermanentSendError';
  }
}
