import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Signed, stateless tokens for links in emails (unsubscribe, open pixel, click redirect,
 * snooze, re-subscribe). The recipient has no login: the HMAC is the proof the link came from
 * us. Format: base64url(JSON payload) + '.' + base64url(HMAC-SHA256).
 *
 * A link is bound to its holder: the customer id, a hash of the address it was mailed to and
 * the customer's link epoch (erasure bumps it). It stops working when the address changes, when
 * the customer is erased, and when the shop reuses the id for someone else; and it expires
 * after its kind's lifetime (LINK_LIFETIME_DAYS).
 */
export type LinkPurpose = 'unsubscribe' | 'open' | 'click' | 'snooze' | 'resubscribe' | 'resubscribe-confirm' | 'keep';

/**
 * How long each kind of link works after it is mailed (or shown).
 * - unsubscribe, click: 400 days — people act on old emails; unsubscribing must keep working
 *   well past the 30 days the law asks for;
 * - open: 90 days — opens after that say nothing about a journey;
 * - snooze: 120 days — longer than any replenishment cycle's reminder stays relevant;
 * - resubscribe: 1 hour — offered on the unsubscribe confirmation page, for a change of mind;
 * - resubscribe-confirm: 2 days — mailed to the address itself, the only thing that grants consent;
 * - keep: 400 days — the "yes, keep me subscribed" button of a marketing email (the sunset's
 *   question); it is engagement, and brings back a customer marked unengaged, however late.
 */
export const LINK_LIFETIME_DAYS: Record<LinkPurpose, number> = {
  unsubscribe: 400,
  click: 400,
  open: 90,
  snooze: 120,
  resubscribe: 1 / 24,
  'resubscribe-confirm': 2,
  keep: 400,
};

export interface LinkPayload {
  /** purpose, so a token for one kind of link cannot be replayed as another */
  p: LinkPurpose;
  /** customer id */
  c: string;
  /** message id, when the link belongs to one message */
  m?: number;
  /** purpose-specific extra (a link index for click, the product and order for snooze) */
  x?: string;
  /** hash of the address the link was mailed to */
  a?: string;
  /** the customer's link epoch when the link was made */
  e?: number;
  /** expiry, seconds since the epoch */
  t?: number;
}

/** Who a link is for, as the customers row says when the link is made. */
export interface LinkHolder {
  customerId: string;
  email: string | null;
  epoch: number;
}

export function signToken(secret: string, payload: LinkPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** A link token for `holder`, valid for its purpose's lifetime from `now`. */
export function signLink(
  secret: string,
  purpose: LinkPurpose,
  holder: LinkHolder,
  extra: { m?: number; x?: string } = {},
  now = Date.now(),
): string {
  return signToken(secret, {
    p: purpose,
    c: holder.customerId,
    ...extra,
    a: addressHash(secret, holder.email),
    e: holder.epoch,
    t: Math.floor(now / 1000 + LINK_LIFETIME_DAYS[purpose] * 86_400),
  });
}

/**
 * The payload of a genuine, unexpired token for `purpose`. Links mailed before tokens carried
 * an expiry and a holder keep working for the harmless kinds; a re-subscribe needs a current one.
 */
export function verifyToken(secret: string, token: string, purpose: LinkPurpose, now = Date.now()): LinkPayload | undefined {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let payload: LinkPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
  } catch {
    return undefined;
  }
  if (payload?.p !== purpose || typeof payload.c !== 'string') return undefined;
  if (payload.t === undefined) return purpose === 'resubscribe' || purpose === 'resubscribe-confirm' ? undefined : payload;
  return typeof payload.t === 'number' && payload.t * 1000 > now ? payload : undefined;
}

/** Whether the customer as stored now is the one the link was made for (same address, same epoch, not erased). */
export function holdsLink(
  secret: string,
  payload: LinkPayload,
  current: { email: string | null; link_epoch: number; erased_at: Date | null } | undefined,
): boolean {
  if (!current || current.erased_at) return false;
  if (payload.e !== undefined && payload.e !== current.link_epoch) return false;
  return payload.a === undefined || payload.a === addressHash(secret, current.email);
}

/**
 * The secret as a key object, made once per secret: an email signs a token for every link, and
 * `createHmac` with a string copies and checks the secret each time.
 */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size > 16) keys.clear();
    keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  }
  return key;
}

/** The last address hashed: every link of one email is bound to the same address. */
let lastAddress: { secret: string; email: string | null; hash: string } | undefined;

/** Short keyed hash of an address (case-insensitive): binds a link without putting the address in it. */
export function addressHash(secret: string, email: string | null): string {
  if (lastAddress?.secret === secret && lastAddress.email === email) return lastAddress.hash;
  const hash = createHmac('sha256', keyOf(secret)).update(`address:${(email ?? '').trim().toLowerCase()}`).digest('base64url').slice(0, 16);
  lastAddress = { secret, email, hash };
  return hash;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', keyOf(secret)).update(body).digest('base64url');
}

export function unsubscribeUrl(publicUrl: string, secret: string, holder: LinkHolder, messageId?: number): string {
  return `${publicUrl}/u/${signLink(secret, 'unsubscribe', holder, { m: messageId })}`;
}

/** The "yes, keep me subscribed" link of one marketing message: its page confirms with a POST. */
export function keepSubscribedUrl(publicUrl: string, secret: string, holder: LinkHolder, messageId: number): string {
  return `${publicUrl}/k/${signLink(secret, 'keep', holder, { m: messageId })}`;
}
