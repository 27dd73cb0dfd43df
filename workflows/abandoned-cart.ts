/**
 * Abandoned cart — one journey per customer, started by a non-empty cart.updated.
 *   4 hours after the latest cart update (every update restarts the clock): a reminder with
 *     the items still in stock — nothing in stock, no email (logged as skipped)
 *   20 hours later, and never within 4 hours of a cart change: a second reminder with a unique,
 *     expiring discount code
 *   ends on: order.placed, checkout.started, an emptied cart
 *   one series per 7 days: once a reminder went out the journey stays open until 7 days after
 *     it, taking cart updates in without mailing; a cart changed and still abandoned then opens
 *     the next series at once.
 * A customer who churns the cart thousands of times only grows history: the journey continues
 * as new with its state whenever history gets long.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew, type ShopEventOf } from './kit';
import type { AbandonedCartView } from './messages';
import { toMs } from '../shared/durations';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';
import type { LineItem } from '../emails/components/LineItems';

export interface AbandonedCartInput extends ContinuesAsNew<AbandonedCartState> {
  customerId: string;
  config: JourneysConfig['abandonedCart'];
}

interface CartSnapshot {
  eventId: string;
  cartUrl: string;
  items: ShopEventOf<'cart.updated'>['properties']['items'];
  occurredAt: string;
}

export interface AbandonedCartState {
  /** the latest cart contents by occurredAt: a late, older update never overwrites them */
  cart?: CartSnapshot;
  /** a non-empty cart that no order, checkout or clearing has closed */
  abandoned: boolean;
  /** workflow time of the latest cart change: the inactivity clock starts here */
  lastChangeAt: number;
  /** occurredAt of the latest exit; an update that happened before it cannot reopen the cart */
  closedAt?: string;
  series?: {
    /** id of the cart update that opened the series: names its messages and its coupon */
    id: string;
    firstReminderAt?: number;
    secondReminderDone?: boolean;
    /** cart update the latest reminder showed: only a newer one may open the next series */
    remindedCartEventId?: string;
  };
}

const { findProducts } = proxyActivities<Pick<Activities, 'findProducts'>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '1 minute' },
});

export async function abandonedCart(input: AbandonedCartInput): Promise<void> {
  const { customerId, config, carried, historyLimit } = input;
  const journey = new Journey<AbandonedCartView>({ journey: 'abandoned-cart', customerId, carried, historyLimit, endsOnOrder: true, sendWindows: config.sendWindows });
  const state: AbandonedCartState = carried?.state ?? { abandoned: false, lastChangeAt: Date.now() };
  let changes = 0;
  const show = () => {
    journey.data = { abandoned: state.abandoned, items: state.cart?.items.length ?? 0, series: state.series ?? null };
  };
  journey
    .on('cart.updated', (event) => {
      if (applyCartUpdate(state, event, Date.now())) changes++;
      show();
    })
    .on('checkout.started', (event) => close(state, event.occurredAt))
    .on('order.placed', (event) => close(state, event.occurredAt));
  show();

  const firstAfter = toMs(config.firstReminderAfter);
  const continueIfHistoryIsLong = async () => {
    if (!journey.historyIsLong()) return;
    await continueAsNew<typeof abandonedCart>({ ...input, carried: journey.carry(state) });
  };
  /** Wait until `dueAt` (recomputed after every cart change) unless the cart gets closed. */
  const waitForQuiet = async (dueAt: () => number, step: string, details: string): Promise<boolean> => {
    for (;;) {
      if (!state.abandoned) return false;
      if (Date.now() >= dueAt()) return true;
      const seen = changes;
      await journey.waitUntil(() => changes !== seen || !state.abandoned, dueAt() - Date.now(), step, details);
      await continueIfHistoryIsLong();
    }
  };

  if (!state.cart) {
    journey.at('done', 'started without a cart');
    return;
  }
  state.series ??= { id: state.cart.eventId };
  const series = state.series;
  const key = series.id;

  if (series.firstReminderAt === undefined) {
    const quiet = await waitForQuiet(
      () => state.lastChangeAt + firstAfter,
      'waiting-for-inactivity',
      `first reminder ${config.firstReminderAfter} after the latest cart update, unless the customer orders, checks out or empties the cart`,
    );
    if (!quiet) {
      journey.at('done', 'cart closed (order, checkout or emptied) before the first reminder');
      return;
    }
    series.remindedCartEventId = state.cart.eventId;
    const first = await journey.send('first-reminder', 'abandoned-cart', await cartMessage(state.cart), {
      category: 'marketing',
      onCap: 'defer',
      promotes: true,
      iteration: key,
      stillWanted: () => state.abandoned,
    });
    if (first.status !== 'sent') {
      // No reminder reached the customer, so no series happened and no cooldown applies. A cart
      // update that landed meanwhile is that next update: a new series for it, not lost.
      await journey.startOverForLateEvents(
        (event) => event.type === 'cart.updated' && state.abandoned,
        () =>
          continueAsNew<typeof abandonedCart>({ ...input, carried: journey.carry({ ...state, series: undefined }) }),
      );
      journey.at('done', `first reminder not sent (${first.reason}); the next cart update starts afresh`);
      return;
    }
    series.firstReminderAt = Date.now();
    show();
  }

  if (!series.secondReminderDone) {
    const secondAfter = toMs(config.secondReminderAfter);
    const quiet = await waitForQuiet(
      () => Math.max(series.firstReminderAt! + secondAfter, state.lastChangeAt + firstAfter),
      'waiting-for-second-reminder',
      `discount reminder ${config.secondReminderAfter} after the first, unless the cart is closed`,
    );
    if (quiet) {
      series.remindedCartEventId = state.cart.eventId;
      await journey.send('second-reminder', 'abandoned-cart-discount', await cartMessage(state.cart), {
        category: 'marketing',
        onCap: 'defer',
        promotes: true,
        iteration: key,
        coupon: {
          key: `${workflowInfo().workflowId}/${key}/discount`,
          percentOff: config.discountPercentOff,
          validFor: config.discountValidity,
        },
        stillWanted: () => state.abandoned,
      });
    }
    series.secondReminderDone = true;
    show();
  }

  const cooldownEndsAt = series.firstReminderAt! + toMs(config.seriesCooldown);
  while (Date.now() < cooldownEndsAt) {
    const seen = changes;
    await journey.waitUntil(
      () => changes !== seen,
      cooldownEndsAt - Date.now(),
      'cooldown',
      `one series per ${config.seriesCooldown}: cart updates until ${new Date(cooldownEndsAt).toISOString()} send nothing`,
    );
    await continueIfHistoryIsLong();
  }

  if (state.abandoned && state.cart.eventId !== series.remindedCartEventId) {
    // The cart changed after the last reminder and is still abandoned: the next series, its own clock.
    await continueAsNew<typeof abandonedCart>({ ...input, carried: journey.carry({ ...state, series: { id: state.cart.eventId } }) });
  }
  journey.at('done', 'series complete and cooldown over');
}

/**
 * Take a cart update in if it is the newest contents seen; true when the cart changed.
 * Ties in occurredAt go to the later arrival (the relay delivers in posting order).
 */
function applyCartUpdate(state: AbandonedCartState, event: ShopEventOf<'cart.updated'>, now: number): boolean {
  const at = Date.parse(event.occurredAt);
  if (state.cart && at < Date.parse(state.cart.occurredAt)) return false;
  const { cartUrl, items } = event.properties;
  state.cart = { eventId: event.id, cartUrl, items, occurredAt: event.occurredAt };
  state.lastChangeAt = now;
  state.abandoned = items.length > 0 && !(state.closedAt !== undefined && at <= Date.parse(state.closedAt));
  return true;
}

function close(state: AbandonedCartState, occurredAt: string): void {
  state.abandoned = false;
  if (state.closedAt === undefined || Date.parse(occurredAt) > Date.parse(state.closedAt)) state.closedAt = occurredAt;
}

/** The reminder's data: the cart lines with their catalogue currency (prices as the customer saw them). */
async function cartMessage(cart: CartSnapshot): Promise<{ cartUrl: string; items: LineItem[] }> {
  const catalog = await findProducts(cart.items.map((i) => i.productId));
  const byId = new Map(catalog.map((p) => [p.productId, p]));
  const items = cart.items.map((item): LineItem => {
    const product = byId.get(item.productId);
    return {
      ...item,
      currency: product?.currency,
      url: item.url ?? product?.url,
      imageUrl: item.imageUrl ?? product?.imageUrl,
    };
  });
  return { cartUrl: cart.cartUrl, items };
}
