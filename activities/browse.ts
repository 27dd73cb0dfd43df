import type { Pool, PoolClient } from 'pg';
import type { ProductCard } from '../emails/components/product';
import { findProducts } from './catalog';

type Queryable = Pick<Pool | PoolClient, 'query'>;

/**
 * What a browse-abandonment email shows: the viewed products still in stock (most recent view
 * first) and related products of them, in stock and neither viewed nor bought by the customer.
 * The send path re-checks the viewed ones' stock at send time (`promotes`).
 */
export async function browsedProducts(
  db: Pool,
  input: { customerId: string; productIds: string[]; maxViewed: number; maxRelated: number },
): Promise<{ items: ProductCard[]; related: ProductCard[] }> {
  // The catalogue's own lookup (in the order asked for), kept to what is in stock, shown without the stock.
  const inStock = async (ids: string[]): Promise<ProductCard[]> =>
    (await findProducts(db, ids)).filter((p) => p.stock > 0).map(({ stock: _stock, ...card }) => card);
  const items = (await inStock(input.productIds)).slice(0, input.maxViewed);
  const { rows: relatedIds } = await db.query<{ id: string }>(
    `SELECT DISTINCT unnest(related_product_ids) AS id FROM products WHERE id = ANY($1)`,
    [items.map((i) => i.productId)],
  );
  const { rows: bought } = await db.query<{ product_id: string }>(
    `SELECT DISTINCT item->>'productId' AS product_id FROM orders, jsonb_array_elements(items) AS item WHERE customer_id = $1`,
    [input.customerId],
  );
  const exclude = new Set([...input.productIds, ...bought.map((b) => b.product_id)]);
  const candidates = relatedIds.map((r) => r.id).filter((id) => !exclude.has(id)).sort();
  return { items, related: (await inStock(candidates)).slice(0, input.maxRelated) };
}

/** Whether a product view can matter: a known customer with an address who agreed to marketing. */
export async function isKnownConsentingCustomer(db: Queryable, customerId: string): Promise<boolean> {
  return (await knownConsentingCustomers(db, [customerId])).size > 0;
}

/** Of these customers, the known ones with an address who agreed to marketing: browse abandonment's audience. */
export async function knownConsentingCustomers(db: Queryable, customerIds: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM customers
      WHERE id = ANY($1::text[]) AND email IS NOT NULL AND marketing_consent AND unsubscribed_at IS NULL AND erased_at IS NULL`,
    [customerIds],
  );
  return new Set(rows.map((r) => r.id));
}

export function createBrowseActivities(deps: { db: Pool }) {
  return {
    browsedProducts: (input: Parameters<typeof browsedProducts>[1]) => browsedProducts(deps.db, input),
  };
}
