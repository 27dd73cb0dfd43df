import type { Pool } from 'pg';
import { replenishmentLinks, type ReplenishmentLinkTarget } from '../links/replenishment-links';

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

export function createReplenishmentActivities(deps: { db: Pool; publicUrl: string; tokenSecret: string }) {
  return {
    findReplenishableProduct: (productId: string) => findReplenishableProduct(deps.db, productId),
    /** Signed in an activity: workflow code has neither the secret nor crypto. */
    replenishmentLinks: async (target: ReplenishmentLinkTarget) =>
      replenishmentLinks(deps.publicUrl, deps.tokenSecret, target),
  };
}
