/**
 * Order lifecycle (transactional) — one journey per order, started by its order.placed.
 *   at once:          order confirmation (items and total in the customer's locale)
 *   order.shipped:    shipping notice with carrier and tracking link (one per new shipment)
 *   order.delivered:  delivered notice, then the journey ends
 *   60 days without a delivery: the journey ends without more mail
 * Transactional mail needs no marketing consent; it still respects erasure and suppression.
 * A flood of shipping events (a shop re-posting every status) only grows history: the journey
 * continues as new with the parcels it announced and its deadline.
 */
import { continueAsNew, patched } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew } from './kit';
import type { OrderView } from './messages';
import { toMs } from '../shared/durations';
import type { JourneysConfig } from '../config/journeys';
import type { EventProperties } from '../ingest/event-schemas';
import type { LineItem } from '../emails/components/LineItems';

export interface OrderInput extends ContinuesAsNew<OrderState> {
  customerId: string;
  orderId: string;
  placedAt: string;
  order: EventProperties<'order.placed'>;
  config: JourneysConfig['order'];
}

type Shipment = EventProperties<'order.shipped'>;

export interface OrderState {
  /** workflow time, ms: without a delivery by then the journey ends */
  endsAt: number;
  /** the parcels whose shipping notice went out */
  announced: Shipment[];
}

/** Patch id: an order whose history grows long continues as new. */
const CONTINUES_WHEN_LONG = 'order-continues-as-new';

export async function order(input: OrderInput): Promise<void> {
  const { customerId, orderId, placedAt, order, config, carried, historyLimit } = input;
  const journey = new Journey<OrderView>({ journey: 'order', customerId, carried, historyLimit });
  const shipments: Shipment[] = [];
  let delivered = false;
  journey
    .on('order.shipped', (event) => {
      if (event.properties.orderId === orderId) shipments.push(event.properties);
    })
    .on('order.delivered', (event) => {
      if (event.properties.orderId === orderId) delivered = true;
    });

  const items: LineItem[] = order.items.map((item) => ({ ...item, currency: order.currency }));
  const announced: Shipment[] = [...(carried?.state.announced ?? [])];
  journey.data = { orderId, shipmentsAnnounced: announced.length };

  // A run that continued as new has confirmed the order already.
  if (!carried) {
    journey.at('confirmation', `confirming order ${orderId}`);
    await journey.send(
      'order-confirmation',
      'order-confirmation',
      { orderId, placedAt, items, total: order.total, currency: order.currency },
      { category: 'transactional' },
    );
  }

  const endsAt = carried?.state.endsAt ?? Date.now() + toMs(config.endAfter);
  // One timer for the whole wait: a timeout per wait started a new (billed) timer at every
  // shipment. Orders placed before this change replay their timers as they made them.
  const limit = patched('order-one-delivery-deadline') ? journey.deadline(carried ? Math.max(1, endsAt - Date.now()) : config.endAfter) : undefined;
  let handled = 0;
  while (!delivered) {
    // Every shipment has been handled here. Orders placed before this check replay without it.
    if (journey.historyIsLong() && patched(CONTINUES_WHEN_LONG)) {
      // (`order` here is the placed order; the type names the journey)
      await continueAsNew<(input: OrderInput) => Promise<void>>({ ...input, carried: journey.carry({ endsAt, announced }) });
    }
    const heardNews = await journey.waitUntil(
      () => delivered || shipments.length > handled,
      limit ?? Math.max(0, endsAt - Date.now()),
      announced.length ? 'waiting-for-delivery' : 'waiting-for-shipment',
      announced.length ? `order ${orderId} shipped; waiting for delivery` : `waiting for order ${orderId} to ship`,
    );
    if (!heardNews) {
      journey.at('done', `no delivery within ${config.endAfter}; the order journey ends`);
      return;
    }
    // Once delivered, a shipping notice still in the queue is old news.
    for (; handled < shipments.length && !delivered; handled++) {
      const shipment = shipments[handled];
      if (!isNewShipment(shipment, announced)) continue;
      announced.push(shipment);
      journey.data = { orderId, shipmentsAnnounced: announced.length };
      await journey.send(
        'shipping-notice',
        'order-shipped',
        { orderId, items, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, trackingUrl: shipment.trackingUrl },
        // The first shipment keeps the plain key; a split shipment's notices are numbered.
        { category: 'transactional', iteration: announced.length > 1 ? announced.length : undefined },
      );
    }
  }

  await journey.send('delivered-notice', 'order-delivered', { orderId, items }, { category: 'transactional' });
  journey.at('done', `order ${orderId} delivered`);
}

/**
 * A repeated order.shipped with the same tracking (the shop re-posting, a status update) is
 * not a new parcel; one with a different tracking number or link is (a split shipment).
 */
function isNewShipment(shipment: Shipment, announced: Shipment[]): boolean {
  if (announced.length === 0) return true;
  const id = shipment.trackingNumber ?? shipment.trackingUrl;
  return id !== undefined && !announced.some((a) => (a.trackingNumber ?? a.trackingUrl) === id);
}
