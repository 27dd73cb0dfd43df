import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { PoolClient } from 'pg';
import type { JourneysConfig } from '../config/journeys';
import { backInStockRestockWorkflowId, JourneyKey, productRestockedSignal } from '../workflows/messages';
import type { BackInStockRestockInput } from '../workflows/back-in-stock';

/**
 * A product's stock went from 0 to more. Not part of the public event contract: PUT
 * /v1/products records it in the event store, in the transaction that changes the stock, and
 * the relay delivers it like any event (so a Temporal outage delays the alerts, never loses them).
 */
export const PRODUCT_RESTOCKED = 'product.restocked';

export interface ProductRestocked {
  productId: string;
  stock: number;
}

export async function recordRestock(tx: Pick<PoolClient, 'query'>, productId: string, stock: number): Promise<void> {
  await tx.query(
    `INSERT INTO events (id, type, customer_id, occurred_at, properties) VALUES ($1, $2, $3, now(), $4)`,
    // customer_id orders a subject's events in the relay: here the subject is the product.
    [`restock_${randomUUID()}`, PRODUCT_RESTOCKED, `product:${productId}`, JSON.stringify({ productId, stock })],
  );
}

/** Start (or nudge) the product's restock coordinator, which wakes waiting subscribers in batches. */
export async function wakeBackInStockSubscribers(
  deps: { client: Client; taskQueue: string; config: JourneysConfig['backInStock'] },
  restock: ProductRestocked,
): Promise<void> {
  const input: BackInStockRestockInput = { productId: restock.productId, config: deps.config };
  await deps.client.workflow.signalWithStart('backInStockRestock', {
    workflowId: backInStockRestockWorkflowId(restock.productId),
    taskQueue: deps.taskQueue,
    args: [input],
    signal: productRestockedSignal,
    signalArgs: [{ stock: restock.stock }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: new TypedSearchAttributes([{ key: JourneyKey, value: 'back-in-stock-restock' }]),
    staticSummary: `Back-in-stock restock of ${restock.productId}: wake waiting subscribers in batches`,
  });
}
