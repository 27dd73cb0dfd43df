import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { PRODUCT_RESTOCKED } from './routes';
import { enqueueEvents } from './store';

/**
 * Record that a product's stock went from 0 to more, in the caller's transaction (the one that
 * changes the stock). The relay delivers it to the product's restock coordinator (a row of the
 * routing table), which wakes waiting subscribers in batches.
 */
export async function recordRestock(tx: Pick<PoolClient, 'query'>, productId: string, stock: number): Promise<void> {
  await enqueueEvents(tx, [
    {
      id: `restock_${randomUUID()}`,
      type: PRODUCT_RESTOCKED,
      customerId: `product:${productId}`,
      occurredAt: new Date().toISOString(),
      properties: { productId, stock },
    },
  ]);
}
