import { Router } from 'express';
import { z } from 'zod';
import { ApiError, validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { withTransaction } from '../../db/transaction';
import { money } from '../../ingest/event-schemas';
import { recordRestock } from '../../ingest/restock';
import { documentV1, error, json, shopId } from '../route-docs';

export const ProductPutSchema = z
  .object({
    title: z.string().min(1).max(500),
    price: money,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR').optional(),
    url: z.string().url().max(2000),
    imageUrl: z.string().url().max(2000).optional(),
    stock: z.number().int().min(0).max(1_000_000_000),
    relatedProductIds: z.array(z.string().min(1).max(200)).max(50).optional(),
    replenishDays: z.number().int().min(1).max(3650).nullable().optional(),
  })
  .strict()
  .openapi('Product');

const idParams = z.object({ id: shopId });
const ProductViewSchema = z
  .object({ ...ProductPutSchema.shape, id: z.string(), restocked: z.boolean().openapi({ description: 'stock went from 0 (or from unknown) to more: back-in-stock alerts follow' }) })
  .openapi('ProductView');
const StoredProductSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    price: z.number(),
    currency: z.string(),
    url: z.string(),
    imageUrl: z.string().nullable(),
    stock: z.number().int(),
    relatedProductIds: z.array(z.string()),
    replenishDays: z.number().int().nullable(),
  })
  .openapi('StoredProduct');

documentV1({
  method: 'put',
  path: '/v1/products/{id}',
  summary: 'Create or update a product; a stock change from 0 to >0 wakes back-in-stock journeys',
  description:
    'A restock (stock 0 → n, or a first PUT with stock) notifies waiting back-in-stock subscribers in batches: `subscribersPerUnit × stock` of the oldest subscriptions at once, the next batch after `batchInterval` while stock remains. `restocked` in the answer says whether this call was such a restock.',
  request: { params: idParams, body: { required: true, content: { 'application/json': { schema: ProductPutSchema } } } },
  responses: { 200: json(ProductViewSchema, 'Updated'), 201: json(ProductViewSchema, 'Created') },
});
documentV1({
  method: 'get',
  path: '/v1/products/{id}',
  summary: 'A product as stored (price, stock, related products, replenishment rhythm)',
  request: { params: idParams },
  responses: { 200: json(StoredProductSchema, 'The product'), 404: error('No such product') },
});

export function productsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.put('/:id', async (req, res) => {
    const id = shopId.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    const parsed = ProductPutSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const p = parsed.data;
    const previousStock = await withTransaction(deps.db, async (tx) => {
      const before = await tx.query<{ stock: number }>('SELECT stock FROM products WHERE id = $1 FOR UPDATE', [id.data]);
      const previous = before.rows[0]?.stock ?? null;
      await tx.query(
        `INSERT INTO products (id, title, price, currency, url, image_url, stock, related_product_ids, replenish_days)
         VALUES ($1, $2, $3, coalesce($4, 'EUR'), $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET title = $2, price = $3, currency = coalesce($4, products.currency), url = $5,
           image_url = $6, stock = $7, related_product_ids = $8, replenish_days = $9, updated_at = now()`,
        [id.data, p.title, p.price, p.currency ?? null, p.url, p.imageUrl ?? null, p.stock, p.relatedProductIds ?? [], p.replenishDays ?? null],
      );
      // A first PUT with stock is a restock too: people may have asked for the product before the shop synced it.
      if ((previous === null || previous === 0) && p.stock > 0) {
        // Stored with the stock change, delivered by the relay: waking the waiting subscribers
        // survives a Temporal outage like any other event.
        await recordRestock(tx, id.data, p.stock);
      }
      return previous;
    });
    const restocked = (previousStock === null || previousStock === 0) && p.stock > 0;
    if (restocked) deps.nudgeRelay();
    res.status(previousStock === null ? 201 : 200).json({ id: id.data, ...p, restocked });
  });

  router.get('/:id', async (req, res) => {
    const id = shopId.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, 'path');
    const { rows } = await deps.db.query('SELECT * FROM products WHERE id = $1', [id.data]);
    if (!rows[0]) throw new ApiError(404, 'not_found', 'No such product');
    const r = rows[0];
    res.json({
      id: r.id,
      title: r.title,
      price: r.price,
      currency: r.currency,
      url: r.url,
      imageUrl: r.image_url,
      stock: r.stock,
      relatedProductIds: r.related_product_ids,
      replenishDays: r.replenish_days,
    });
  });

  return router;
}
