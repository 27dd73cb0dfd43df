import { randomBytes } from 'node:crypto';
import type { PoolClient, Pool } from 'pg';
import { toMs } from '../shared/durations';
import type { CouponRequest, IssuedCoupon } from './types';

// No 0/O/1/I/L: codes get read aloud and typed from phones.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** What a customer reads first on a code: the occasion, not our journey's internal name. */
const COUPON_PREFIXES: Record<string, string> = {
  welcome: 'WELCOME',
  'abandoned-cart': 'CART',
  'win-back': 'COMEBACK',
  vip: 'VIP',
  birthday: 'BIRTHDAY',
};

/** 12 random symbols from a 31-letter alphabet ≈ 59 bits: unguessable, still typeable. */
export function generateCouponCode(prefix: string): string {
  const bytes = randomBytes(12);
  let body = '';
  for (const byte of bytes) body += ALPHABET[byte % ALPHABET.length];
  return `${prefix}-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}`;
}

/**
 * Issue the coupon for `request.key`, or return the one already issued for it: a retried or
 * replayed step never mints a second code (issue_key is unique).
 */
export async function issueCoupon(
  db: Pool | PoolClient,
  request: CouponRequest & { customerId: string; journey: string; maxRedemptions?: number },
  now: Date,
): Promise<IssuedCoupon> {
  const expiresAt = new Date(now.getTime() + toMs(request.validFor));
  const prefix = COUPON_PREFIXES[request.journey] ?? (request.journey.replace(/[^a-z]/gi, '').slice(0, 8).toUpperCase() || 'SHOP');
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = generateCouponCode(prefix);
    // One round trip: our new row, or the one already issued for the key. Nothing comes back
    // when the random code collided with another key's, or when a concurrent issue of this key
    // committed after the statement began (its row is outside our snapshot): try again.
    const { rows } = await db.query<{ code: string; percent_off: number; expires_at: Date }>(
      `WITH inserted AS (
         INSERT INTO coupons (code, issue_key, customer_id, journey, percent_off, expires_at, max_redemptions)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING
         RETURNING code, percent_off, expires_at
       )
       SELECT code, percent_off, expires_at FROM inserted
       UNION ALL
       SELECT code, percent_off, expires_at FROM coupons WHERE issue_key = $2
       LIMIT 1`,
      [code, request.key, request.customerId, request.journey, request.percentOff, expiresAt, request.maxRedemptions ?? 1],
    );
    const row = rows[0];
    if (row) return { code: row.code, percentOff: row.percent_off, expiresAt: row.expires_at.toISOString() };
  }
  throw new Error(`could not issue a unique coupon for ${request.key}`);
}
