import { Router } from 'express';
import { z } from 'zod';
import { ApiError, validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { withTransaction } from '../../db/transaction';
import { money } from '../../ingest/event-schemas';
import { recordRestock } from '../../ingest/restock';

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


export function productsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.put('/:id', async (req, res) => {
    const id = z.string().trim().min(1).max(200).safeParse(req.params.id);
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
      if (previous === 0 && p.stock > 0) {
        // Stored with the stock change, delivered by the relay: waking the waiting subscribers
        // survives a Temporal outage like any other event.
        await recordRestock(tx, id.data, p.stock);
      }
      return previous;
    });
    const restocked = previousStock === 0 && p.stock > 0;
    if (restocked) deps.nudgeRelay();
    res.status(previousStock === null ? 201 : 200).json({ id: id.data, ...p, restocked });
  });

  router.get('/:id', async (req, res) => {
    const { rows } = await deps.db.query('SELECT * FROM products WHERE id = $1', [req.params.id]);
    if (!rows[0]) throw new ApiError(404, 'not_found', `No product ${req.params.id}`);
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
