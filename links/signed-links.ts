import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, stateless tokens for links in emails (unsubscribe, open pixel, click redirect,
 * snooze). The recipient has no login: the HMAC is the proof the link came from us.
 * Format: base64url(JSON payload) + '.' + base64url(HMAC-SHA256).
 */
export type LinkPurpose = 'unsubscribe' | 'open' | 'click' | 'snooze' | 'resubscribe';

export interface LinkPayload {
  /** purpose, so a token for one kind of link cannot be replayed as another */
  p: LinkPurpose;
  /** customer id */
  c: string;
  /** message id, when the link belongs to one message */
  m?: number;
  /** purpose-specific extra (a URL for click, a workflow id for snooze) */
  x?: string;
}

export function signToken(secret: string, payload: LinkPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export function verifyToken(secret: string, token: string, purpose: LinkPurpose): LinkPayload | undefined {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
    return payload.p === purpose && typeof payload.c === 'string' ? payload : undefined;
  } catch {
    return undefined;
  }
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function unsubscribeUrl(publicUrl: string, secret: string, customerId: string, messageId?: number): string {
  return `${publicUrl}/u/${signToken(secret, { p: 'unsubscribe', c: customerId, m: messageId })}`;
}
