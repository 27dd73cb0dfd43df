import type { Duration } from '@temporalio/common';
import { toMs } from '../shared/durations';
import { addCalendarDays, calendarDate } from '../shared/zoned-time';
import { signLink, signToken, verifyToken, type LinkHolder, type LinkPayload } from './signed-links';

/**
 * The snooze / reschedule links of a replenishment reminder. The token names the customer,
 * the product and the order whose cycle the reminder belongs to; the workflow id is derived
 * from the signed customer and product, never taken from the request, so a link can only
 * move its own customer's reminder — and only for the cycle it was sent in.
 */
export interface ReplenishmentLinkTarget {
  customerId: string;
  productId: string;
  orderId: string;
}

/** Bound to `holder` (address, epoch, expiry) when given; tests of the page alone sign without one. */
export function replenishmentToken(secret: string, target: ReplenishmentLinkTarget, holder?: LinkHolder): string {
  const x = JSON.stringify({ product: target.productId, order: target.orderId });
  return holder ? signLink(secret, 'snooze', holder, { x }) : signToken(secret, { p: 'snooze', c: target.customerId, x });
}

export function readReplenishmentToken(secret: string, token: string): (ReplenishmentLinkTarget & { link: LinkPayload }) | undefined {
  const payload = verifyToken(secret, token, 'snooze');
  if (!payload?.x) return undefined;
  try {
    const { product, order } = JSON.parse(payload.x) as { product?: unknown; order?: unknown };
    if (typeof product !== 'string' || typeof order !== 'string') return undefined;
    return { customerId: payload.c, productId: product, orderId: order, link: payload };
  } catch {
    return undefined;
  }
}

/**
 * The dates a customer may pick for the next reminder: from tomorrow up to `within` ahead, as
 * their own calendar counts days. The link page offers exactly these; the journey accepts only these.
 */
export function rescheduleWindow(now: number, timeZone: string, within: Duration): { earliest: string; latest: string } {
  const today = calendarDate(now, timeZone);
  return { earliest: addCalendarDays(today, 1), latest: addCalendarDays(today, Math.floor(toMs(within) / 86_400_000)) };
}

/** Both buttons open the same page (GET never changes anything: mail scanners prefetch links). */
export function replenishmentLinks(publicUrl: string, secret: string, target: ReplenishmentLinkTarget, holder?: LinkHolder) {
  const page = `${publicUrl}/remind/${replenishmentToken(secret, target, holder)}`;
  return { snoozeUrl: `${page}?choice=snooze`, rescheduleUrl: `${page}?choice=reschedule` };
}
