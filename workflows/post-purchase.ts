/**
 * Post-purchase — one journey per order (`post-purchase/<orderId>`), started by its order.placed.
 *   3 hours later:                  a thank-you; the first-purchase variant for a customer's first order
 *   7 days after order.delivered:   a review request with a link to each item
 *   14 days after order.delivered:  a cross-sell of related products in stock, none already bought
 *   no delivery within 60 days:     the journey ends after the thank-you
 *   cancelled, returned as a whole or refunded in full: the journey ends at once (nothing more
 *   for an order the customer no longer has); a partial return or refund drops those products
 *   from the review request (the lookup reads order_changes)
 *
 * Events that flood a wait (a shop re-posting the delivery) only grow history: the journey
 * continues as new with the step it goes on with.
 *
 * Overlapping orders: before each step the journey claims it for the customer; when another
 * order's journey sent the same step within `dedupeWindow` (7 days), this order skips it. Two
 * orders a day apart get one thank-you, one review request and one cross-sell, not two.
 */
import { continueAsNew, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew, type SendOptions } from './kit';
import type { PostPurchaseView } from './messages';
import { toMs } from '../shared/durations';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';
import type { EventProperties } from '../ingest/event-schemas';
import type { TemplateData, TemplateName } from '../emails';

export interface PostPurchaseInput extends ContinuesAsNew<PostPurchaseState> {
  customerId: string;
  orderId: string;
  order: EventProperties<'order.placed'>;
  config: JourneysConfig['postPurchase'];
}

export interface PostPurchaseState {
  /** workflow time, ms, when the journey began: the thank-you and the delivery wait count from it */
  startedAt: number;
  deliveredAt: number | null;
  /** cancelled or returned as a whole, or refunded in full */
  orderGone: boolean;
  /** refunded so far, in the order's currency */
  refunded: number;
  outcomes: Record<string, string>;
  /** the step the journey goes on with */
  next: 'thank-you' | 'delivery' | 'review-request' | 'cross-sell';
}

const JOURNEY = 'post-purchase';
/** Patch id: the journey's waits end early on a long history and it continues as new. */
const CONTINUES_WHEN_LONG = 'post-purchase-continues-as-new';
/** Patch id: a cancelled, returned or fully refunded order ends the journey. */
const STOPS_WHEN_ORDER_GONE = 'post-purchase-stops-when-order-gone';

type Lookups = Pick<Activities, 'isFirstOrder' | 'itemsToReview' | 'crossSellProducts' | 'claimStep' | 'releaseStep'>;
const lookupOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
} as const;
const remoteLookups = proxyActivities<Lookups>(lookupOptions);
/**
 * Short database reads and the step claim, run inside the workflow task: the lookups before a
 * send (first order?, claim the step) are one billed action instead of one each, and save a
 * round trip to the server. Journeys started before this change replay them as activities.
 */
const localLookups = proxyLocalActivities<Lookups>(lookupOptions);
const lookups = (): Lookups => (patched('post-purchase-local-lookups') ? localLookups : remoteLookups);

export async function postPurchase(input: PostPurchaseInput): Promise<void> {
  const { customerId, orderId, order, config, carried, historyLimit } = input;
  const journey = new Journey<PostPurchaseView>({ journey: JOURNEY, customerId, carried, historyLimit, sendWindows: config.sendWindows });
  const state: PostPurchaseState = carried?.state ?? {
    startedAt: Date.now(),
    deliveredAt: null,
    orderGone: false,
    refunded: 0,
    outcomes: {},
    next: 'thank-you',
  };
  journey.on('order.delivered', (event) => {
    if (event.properties.orderId === orderId && state.deliveredAt === null) state.deliveredAt = Date.now();
  });
  // The whole order is gone: cancelled or returned without naming items, or refunded in full.
  journey
    .on('order.cancelled', (event) => {
      if (event.properties.orderId === orderId && !event.properties.items) state.orderGone = true;
    })
    .on('order.returned', (event) => {
      if (event.properties.orderId === orderId && !event.properties.items) state.orderGone = true;
    })
    .on('order.refunded', (event) => {
      if (event.properties.orderId !== orderId) return;
      state.refunded += event.properties.amount;
      if (state.refunded >= order.total) state.orderGone = true;
    });
  const { outcomes } = state;
  journey.data = { orderId, outcomes };
  /** True (and the journey is done) once the order is gone; journeys that never heard of it replay as before. */
  const stopped = () => {
    if (!state.orderGone || !patched(STOPS_WHEN_ORDER_GONE)) return false;
    journey.at('done', `order ${orderId} cancelled, returned or refunded: no more post-purchase mail`);
    return true;
  };
  // Journeys started before their waits could end on a long history keep waiting as they did.
  const continues = carried !== undefined || patched(CONTINUES_WHEN_LONG);
  const historyIsLong = () => continues && journey.historyIsLong();
  const startOver = () => continueAsNew<typeof postPurchase>({ ...input, carried: journey.carry(state) });
  /** Sleep unless the order goes; a long history (a flood of events) ends it too: the next run sleeps the rest. */
  const pause = async (duration: number, step: string, details: string) => {
    await journey.sleep(duration, step, details, () => state.orderGone || historyIsLong());
    if (!state.orderGone && historyIsLong()) await startOver();
  };

  /** Send a step unless another order's journey already took it within the dedupe window. */
  async function sendOnce<T extends TemplateName>(step: string, template: T, data: TemplateData<T>, options: SendOptions) {
    const { workflowId } = workflowInfo();
    const claim = await lookups().claimStep({
      customerId,
      journey: JOURNEY,
      step,
      workflowId,
      window: config.dedupeWindow,
      message: { template, category: options.category },
    });
    if (!claim.claimed) {
      outcomes[step] = `skipped: ${claim.heldBy} sent it ${claim.claimedAt}`;
      return;
    }
    const outcome = await journey.send(step, template, data, options);
    outcomes[step] = outcome.status === 'sent' ? 'sent' : `${outcome.status}: ${'reason' in outcome ? outcome.reason : ''}`;
    // Not sent (no consent, sold out, …): another order's journey may still take the step.
    if (outcome.status !== 'sent') await lookups().releaseStep({ workflowId, step });
  }

  if (state.next === 'thank-you') {
    await pause(untilTime(state.startedAt + toMs(config.thankYouAfter)), 'waiting-to-thank', `thank-you for order ${orderId} after ${config.thankYouAfter}`);
    if (stopped()) return;
    const firstPurchase = await lookups().isFirstOrder({ customerId, orderId });
    await sendOnce(
      'thank-you',
      'post-purchase-thank-you',
      { orderId, firstPurchase, items: order.items.map(({ title, quantity }) => ({ title, quantity })) },
      // A thank-you a few hours late is still welcome: wait for a free slot rather than drop it.
      // The next-order code is issued inside the send activity: the journey's commands are the same
      // with or without one (runs started before the setting existed have none), so no patch.
      {
        category: 'marketing',
        onCap: 'defer',
        ...(config.nextOrderCoupon
          ? { coupon: { key: `post-purchase/${orderId}/next-order`, percentOff: config.nextOrderCoupon.percentOff, validFor: config.nextOrderCoupon.validity } }
          : {}),
      },
    );
    state.next = 'delivery';
  }

  if (state.next === 'delivery') {
    const delivered = await journey.waitUntil(
      () => state.deliveredAt !== null || state.orderGone || historyIsLong(),
      untilTime(state.startedAt + toMs(config.deliveryWaitLimit)),
      'waiting-for-delivery',
      `waiting for order ${orderId} to be delivered (at most ${config.deliveryWaitLimit} after it was placed)`,
    );
    if (stopped()) return;
    if (delivered && state.deliveredAt === null && !state.orderGone) await startOver();
    if (!delivered || state.deliveredAt === null) {
      journey.at('done', `order ${orderId} not delivered within ${config.deliveryWaitLimit}: no review request or cross-sell`);
      return;
    }
    state.next = 'review-request';
  }
  const deliveredOn: number = state.deliveredAt!;

  if (state.next === 'review-request') {
    await pause(
      untilTime(deliveredOn + toMs(config.reviewRequestAfterDelivery)),
      'waiting-to-ask-for-review',
      `review request ${config.reviewRequestAfterDelivery} after delivery`,
    );
    if (stopped()) return;
    const items = await lookups().itemsToReview({ orderId });
    if (items.length > 0) {
      await sendOnce('review-request', 'review-request', { orderId, items }, { category: 'marketing', onCap: 'defer' });
    }
    state.next = 'cross-sell';
  }

  await pause(
    untilTime(deliveredOn + toMs(config.crossSellAfterDelivery)),
    'waiting-to-cross-sell',
    `cross-sell ${config.crossSellAfterDelivery} after delivery`,
  );
  if (stopped()) return;
  const products = await lookups().crossSellProducts({ customerId, orderId, limit: config.crossSellMaxProducts });
  if (products.length === 0) {
    outcomes['cross-sell'] = 'nothing related in stock';
    journey.at('done', 'post-purchase complete; nothing related in stock to suggest');
    return;
  }
  await sendOnce(
    'cross-sell',
    'cross-sell',
    { boughtTitle: order.items.length === 1 ? order.items[0].title : 'order', items: products },
    // A pure promotion: when the customer already heard from us today, drop it rather than pile on.
    { category: 'marketing', onCap: 'skip', promotes: true },
  );
  journey.at('done', 'post-purchase complete');
}

/** Milliseconds from now until `at` (at least 1: a timer needs a positive duration). */
function untilTime(at: number): number {
  return Math.max(1, at - Date.now());
}
