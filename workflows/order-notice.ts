/**
 * Order notice (transactional) — one per order.cancelled, order.refunded or order.returned
 * event (`order-notice/<orderId>/<eventId>`): the customer hears at once what happened to
 * their order and money. Post-purchase, replenishment and VIP react to the same events on
 * their own (no review request for something sent back).
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import { Journey } from './kit';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';
import type { OrderChangeKind } from '../emails/OrderChangeEmail';

export interface OrderNoticeInput {
  customerId: string;
  orderId: string;
  /** the event that started it: its kind, products (none: the whole order) and refund */
  change: {
    eventId: string;
    kind: OrderChangeKind;
    items?: { productId: string; quantity: number }[];
    refund?: { amount: number; currency: string };
  };
  config: JourneysConfig['orderNotice'];
}

const { orderChangeItems } = proxyLocalActivities<Pick<Activities, 'orderChangeItems'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

const STEPS: Record<OrderChangeKind, string> = {
  cancelled: 'cancellation-notice',
  refunded: 'refund-notice',
  returned: 'return-notice',
};

export async function orderNotice({ customerId, orderId, change, config }: OrderNoticeInput): Promise<void> {
  const journey = new Journey({ journey: 'order-notice', customerId, sendWindows: config.sendWindows });
  const step = STEPS[change.kind];
  journey.at(step, `sending the ${change.kind} notice for order ${orderId}`);
  // The titles as the order listed them; a whole-order change lists nothing but the order.
  const items = change.items ? await orderChangeItems({ orderId, items: change.items }) : [];
  const outcome = await journey.send(
    step,
    'order-change',
    { kind: change.kind, orderId, items, ...(change.refund ? { refund: change.refund } : {}) },
    { category: 'transactional' },
  );
  journey.at('done', outcome.status === 'sent' ? `${change.kind} notice sent` : `${change.kind} notice not sent (${outcome.reason})`);
}
