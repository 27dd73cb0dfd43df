import type { Pool } from 'pg';
import type { ProductCard } from '../emails/components/product';

/** A product as journeys show it in an email, with its stock. */
export interface CatalogProduct extends ProductCard {
  stock: number;
}

/** A products row as the catalogue reads it. */
export interface ProductRow {
  id: string;
  title: string;
  /** numeric(12,2) arrives as a string from pg */
  price: string;
  currency: string;
  url: string;
  image_url: string | null;
}

/** A products row as an email shows it. */
export function productCard(r: ProductRow): ProductCard {
  return {
    productId: r.id,
    title: r.title,
    price: Number(r.price),
    currency: r.currency,
    url: r.url,
    ...(r.image_url ? { imageUrl: r.image_url } : {}),
  };
}

/** The catalogue entries for `productIds` that exist, in the order asked for. */
export async function findProducts(db: Pool, productIds: string[]): Promise<CatalogProduct[]> {
  if (productIds.length === 0) return [];
  const { rows } = await db.query<ProductRow & { stock: number }>('SELECT id, title, price, currency, url, image_url, stock FROM products WHERE id = ANY($1)', [productIds]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return productIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [{ ...productCard(r), stock: r.stock }];
  });
}
