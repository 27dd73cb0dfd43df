/** The one seam between the send path and a mail provider (Resend, or the local outbox). */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** MAIL_REPLY_TO: where the recipient's reply goes (a person, not the sending address) */
  replyTo?: string;
  /** deterministic per (workflow, step, iteration): the provider drops a repeat */
  idempotencyKey: string;
  tags?: { name: string; value: string }[];
}

/** What the send ledger stores of a rendered email: exactly what a retry hands the provider. */
export type EmailPayload = Omit<OutgoingEmail, 'idempotencyKey'>;

/** The ledger row a claimed send goes out under (activities/send-message.ts). */
export interface ClaimedMessage {
  messageId: number;
  idempotencyKey: string;
  /** every http(s) link of the email, for the click redirect */
  links: string[];
}

export interface Mailer {
  readonly name: string;
  send(email: OutgoingEmail): Promise<{ providerMessageId: string }>;
  /**
   * Only a mailer whose provider is a table of the send path's own database (the outbox): store
   * the email and mark the ledger row sent in one statement. Nothing is ever in doubt there, so
   * the hand-over (the payload on the ledger row, for retries) is not needed and the HTML is
   * written once. Undefined when the row is no longer this claim's to send: erased meanwhile,
   * or settled or handed over by another attempt. A mailer without it gets the hand-over.
   */
  sendClaimed?(claim: ClaimedMessage, email: EmailPayload): Promise<{ providerMessageId: string } | undefined>;
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

/**
 * The provider definitely did not accept this attempt (rate limited) and may accept a later one.
 * Unlike an in-doubt failure (timeout, network, 5xx), the next attempt may decide afresh.
 */
export class ProviderRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderRefusedError';
  }
}

/**
 * The provider already accepted a request under this idempotency key with another body: an
 * earlier attempt was mailed.
 */
export class IdempotencyKeyUsedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdempotencyKeyUsedError';
  }
}
