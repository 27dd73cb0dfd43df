import type { ProductCard } from '../emails/components/product';
import type { Pool } from 'pg';
import { orderGone } from './order-changes';

/** What the post-purchase journey reads from the shop's orders and catalogue. */
export interface PostPurchaseDeps {
  db: Pool;
  /** where a review link points when the product has no page of its own */
  shopUrl: string;
}

export interface ReviewItem {
  productId: string;
  title: string;
  reviewUrl: string;
  imageUrl?: string;
}

export type CrossSellProduct = ProductCard;

interface OrderRow {
  customer_id: string;
  placed_at: Date;
  items: { productId: string; title: string }[];
}

async function findOrder(db: Pool, orderId: string): Promise<OrderRow | undefined> {
  const { rows } = await db.query<OrderRow>('SELECT customer_id, placed_at, items FROM orders WHERE id = $1', [orderId]);
  return rows[0];
}

/**
 * True when the customer placed no order before this one. Orders are compared by placed_at
 * (the shop's time, not arrival order), ties broken by id, so two orders that arrive out of
 * order still give exactly one "first".
 */
export async function isFirstOrder(deps: PostPurchaseDeps, input: { customerId: string; orderId: string }): Promise<boolean> {
  const { rows } = await deps.db.query<{ earlier: string }>(
    `SELECT count(*) AS earlier FROM orders o
      WHERE o.customer_id = $1 AND o.id <> $2
        AND (NOT EXISTS (SELECT 1 FROM orders WHERE id = $2)
             OR (o.placed_at, o.id) < (SELECT placed_at, id FROM orders WHERE id = $2))`,
    [input.customerId, input.orderId],
  );
  return Number(rows[0].earlier) === 0;
}

/** One review link per distinct product of the order: its page, else the shop. */
export async function itemsToReview(deps: PostPurchaseDeps, input: { orderId: string }): Promise<ReviewItem[]> {
  const order = await findOrder(deps.db, input.orderId);
  if (!order) return [];
  // No review request for something sent back, cancelled or refunded.
  const gone = await orderGone(deps.db, input.orderId);
  if (gone.whole) return [];
  const ids = [...new Set(order.items.map((i) => i.productId))].filter((id) => !gone.productIds.includes(id));
  const { rows } = await deps.db.query<{ id: string; url: string; image_url: string | null }>(
    'SELECT id, url, image_url FROM products WHERE id = ANY($1)',
    [ids],
  );
  const products = new Map(rows.map((r) => [r.id, r]));
  return ids.map((productId) => {
    const item = order.items.find((i) => i.productId === productId)!;
    const product = products.get(productId);
    return {
      productId,
      // The title as bought: the customer recognises what they ordered, even if renamed since.
      title: item.title,
      reviewUrl: product?.url || deps.shopUrl,
      ...(product?.image_url ? { imageUrl: product.image_url } : {}),
    };
  });
}

/**
 * Related products of what the order contained, in stock now, never one the customer has
 * already bought (in any order), in the order the shop listed them, at most `limit`.
 */
export async function crossSellProducts(
  deps: PostPurchaseDeps,
  input: { customerId: string; orderId: string; limit: number },
): Promise<CrossSellProduct[]> {
  const order = await findOrder(deps.db, input.orderId);
  if (!order) return [];
  const gone = await orderGone(deps.db, input.orderId);
  if (gone.whole) return [];
  const orderedIds = [...new Set(order.items.map((i) => i.productId))].filter((id) => !gone.productIds.includes(id));
  const [related, bought] = await Promise.all([
    deps.db.query<{ id: string; related_product_ids: string[] }>(
      'SELECT id, related_product_ids FROM products WHERE id = ANY($1)',
      [orderedIds],
    ),
    deps.db.query<{ product_id: string }>(
      `SELECT DISTINCT item->>'productId' AS product_id
         FROM orders, jsonb_array_elements(items) AS item WHERE customer_id = $1`,
      [input.customerId],
    ),
  ]);
  const relatedById = new Map(related.rows.map((r) => [r.id, r.related_product_ids]));
  const alreadyOwned = new Set([...orderedIds, ...bought.rows.map((r) => r.product_id)]);
  const candidates: string[] = [];
  for (const id of orderedIds) {
    for (const relatedId of relatedById.get(id) ?? []) {
      if (!alreadyOwned.has(relatedId) && !candidates.includes(relatedId)) candidates.push(relatedId);
    }
  }
  if (candidates.length === 0) return [];
  const { rows } = await deps.db.query<{
    id: string;
    title: string;
    url: string;
    price: string;
    currency: string;
    image_url: string | null;
  }>('SELECT id, title, url, price, currency, image_url FROM products WHERE id = ANY($1) AND stock > 0', [candidates]);
  const inStock = new Map(rows.map((r) => [r.id, r]));
  return candidates
    .filter((id) => inStock.has(id))
    .slice(0, input.limit)
    .map((id) => {
      const p = inStock.get(id)!;
      return {
        productId: p.id,
        title: p.title,
        url: p.url,
        price: Number(p.price),
        currency: p.currency,
        ...(p.image_url ? { imageUrl: p.image_url } : {}),
      };
    });
}
