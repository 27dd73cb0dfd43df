import type { Duration } from '@temporalio/common';
import type { Pool } from 'pg';
import { replenishmentLinks, rescheduleWindow, type ReplenishmentLinkTarget } from '../links/replenishment-links';
import { zonedTimeToInstant } from '../shared/zoned-time';
import { resolveTimezone } from './local-time';

/** A product as the replenishment reminder shows it, with how long one unit lasts. */
export interface ReplenishableProduct {
  productId: string;
  title: string;
  url: string;
  imageUrl?: string;
  replenishDays: number;
}

/** The product when it exists and has replenishDays; null otherwise (nothing to remind of). */
export async function findReplenishableProduct(db: Pool, productId: string): Promise<ReplenishableProduct | null> {
  const { rows } = await db.query<{ id: string; title: string; url: string; image_url: string | null; replenish_days: number | null }>(
    'SELECT id, title, url, image_url, replenish_days FROM products WHERE id = $1',
    [productId],
  );
  const r = rows[0];
  if (!r || !r.replenish_days) return null;
  return {
    productId: r.id,
    title: r.title,
    url: r.url,
    ...(r.image_url ? { imageUrl: r.image_url } : {}),
    replenishDays: r.replenish_days,
  };
}

export interface RescheduleRequest {
  customerId: string;
  /** YYYY-MM-DD, a day of the customer's calendar */
  date: string;
  atLocalHour: number;
  within: Duration;
}

/** The instant a picked date means for this customer, or why the date cannot be picked. */
export type RescheduleAnswer = { remindAt: string } | { rejected: string };

/**
 * A date picked on the link page → the moment of the reminder: `atLocalHour` on that day in the
 * customer's zone (unknown zone → the default). Zone data lives here, not in the workflow.
 */
export async function planReschedule(
  db: Pool,
  request: RescheduleRequest,
  defaultTimezone: string,
  now: number,
): Promise<RescheduleAnswer> {
  const { rows } = await db.query<{ timezone: string | null }>('SELECT timezone FROM customers WHERE id = $1', [request.customerId]);
  const zone = resolveTimezone(rows[0]?.timezone, defaultTimezone);
  const { earliest, latest } = rescheduleWindow(now, zone, request.within);
  if (request.date < earliest || request.date > latest) return { rejected: `pick a date between ${earliest} and ${latest}` };
  const [year, month, day] = request.date.split('-').map(Number);
  return { remindAt: new Date(zonedTimeToInstant({ year, month, day, hour: request.atLocalHour }, zone)).toISOString() };
}

export function createReplenishmentActivities(deps: { db: Pool; publicUrl: string; tokenSecret: string; defaultTimezone: string; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return {
    planReschedule: (request: RescheduleRequest) => planReschedule(deps.db, request, deps.defaultTimezone, now()),
    findReplenishableProduct: (productId: string) => findReplenishableProduct(deps.db, productId),
    /** Signed in an activity: workflow code has neither the secret nor crypto. */
    replenishmentLinks: async (target: ReplenishmentLinkTarget) => {
      const { rows } = await deps.db.query<{ email: string | null; link_epoch: number }>(
        'SELECT email, link_epoch FROM customers WHERE id = $1',
        [target.customerId],
      );
      const holder = { customerId: target.customerId, email: rows[0]?.email ?? null, epoch: rows[0]?.link_epoch ?? 0 };
      return replenishmentLinks(deps.publicUrl, deps.tokenSecret, target, holder);
    },
  };
}
