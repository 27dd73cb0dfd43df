/**
 * Abandoned cart — one journey per customer, started by a non-empty cart.updated. A series of
 * 1 to 3 reminders (`reminders` in the config; default two):
 *   4 hours after the latest cart update (every update restarts the clock): a reminder with
 *     the items still in stock — nothing in stock, no email (logged as skipped), no series
 *   20 hours later, and never within 4 hours of a cart change: a second reminder with a unique,
 *     expiring discount code
 *   a third, when configured: "last chance" wording, after the second as configured, with or
 *     without a code of its own
 *   ends on: order.placed, checkout.started, an emptied cart
 *   one series per 7 days: once a reminder went out the journey stays open until 7 days after
 *     it, taking cart updates in without mailing; a cart changed and still abandoned then opens
 *     the next series at once.
 * A customer who churns the cart thousands of times only grows history: the journey continues
 * as new with its state whenever history gets long.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew, type HeldBack, type ShopEventOf } from './kit';
import type { AbandonedCartView } from './messages';
import { toMs } from '../shared/durations';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';
import type { LineItem } from '../emails/components/LineItems';
import { cartRemindersFromOlderKeys, cartReminderSteps, type CartReminderPlan, type OlderCartSettings } from '../shared/cart-reminders';

export interface AbandonedCartInput extends ContinuesAsNew<AbandonedCartState> {
  customerId: string;
  config: JourneysConfig['abandonedCart'] | StartedBeforeReminderList;
  /**
   * The cart updates dispatch held back until the cart was quiet (ingest/held-starts.ts): the
   * journey starts when the first reminder is due. Runs started on the first update have none.
   */
  heldBack?: HeldBack;
}

/** The config section journeys started before `reminders` existed were given: the older keys. */
type StartedBeforeReminderList = Omit<JourneysConfig['abandonedCart'], 'reminders' | 'sendWindows'> &
  OlderCartSettings & { reminders?: undefined; sendWindows: Partial<JourneysConfig['abandonedCart']['sendWindows']> };

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
    /** reminder steps taken (sent, or skipped after the first was sent) */
    remindersDone?: number;
    /** workflow time of the latest reminder step: the next one counts from here */
    lastReminderAt?: number;
    /** carried by runs from before `remindersDone`: the second reminder's step was taken */
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
  const heldBack = carried ? undefined : input.heldBack;
  const journey = new Journey<AbandonedCartView>({ journey: 'abandoned-cart', customerId, carried, historyLimit, endsOnOrder: true, sendWindows: config.sendWindows, heldBack });
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
  // The cart has been quiet since its latest update reached us, not since this start.
  if (heldBack) state.lastChangeAt = heldBack.quietSince;
  show();

  const reminders = remindersOf(config);
  const firstAfter = toMs(reminders[0].after);
  const continueIfHistoryIsLong = async () => {
    if (!journey.historyIsLong()) return;
    await continueAsNew<typeof abandonedCart>({ ...input, heldBack: undefined, carried: journey.carry(state) });
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
  /** The n-th reminder (0-based) of this series: its own step, idempotency key and code. */
  const sendReminder = async (cart: CartSnapshot, n: number) => {
    const { offer } = reminders[n];
    series.remindedCartEventId = cart.eventId;
    return journey.send(cartReminderSteps[n], templateOf(n, reminders[n]), await cartMessage(cart), {
      category: 'marketing',
      onCap: 'defer',
      promotes: true,
      iteration: key,
      ...(offer ? { coupon: { key: couponKey(workflowInfo().workflowId, key, n), percentOff: offer.percentOff, validFor: offer.validity } } : {}),
      stillWanted: () => state.abandoned,
    });
  };

  if (series.firstReminderAt === undefined) {
    const quiet = await waitForQuiet(
      () => state.lastChangeAt + firstAfter,
      'waiting-for-inactivity',
      `${describeReminder(0, reminders[0])} after the latest cart update, unless the customer orders, checks out or empties the cart`,
    );
    if (!quiet) {
      journey.at('done', 'cart closed (order, checkout or emptied) before the first reminder');
      return;
    }
    const first = await sendReminder(state.cart, 0);
    if (first.status !== 'sent') {
      // No reminder reached the customer, so no series happened and no cooldown applies. A cart
      // update that landed meanwhile is that next update: a new series for it, not lost.
      await journey.startOverForLateEvents(
        (event) => event.type === 'cart.updated' && state.abandoned,
        () =>
          continueAsNew<typeof abandonedCart>({ ...input, heldBack: undefined, carried: journey.carry({ ...state, series: undefined }) }),
      );
      journey.at('done', `first reminder not sent (${first.reason}); the next cart update starts afresh`);
      return;
    }
    series.firstReminderAt = Date.now();
    series.remindersDone = 1;
    series.lastReminderAt = series.firstReminderAt;
    show();
  }

  // Carried by a run from before `remindersDone`: the first reminder went out, the second maybe.
  series.remindersDone ??= series.secondReminderDone ? 2 : 1;
  series.lastReminderAt ??= series.firstReminderAt;
  for (let n = series.remindersDone; n < reminders.length; n++) {
    const reminder = reminders[n];
    const quiet = await waitForQuiet(
      () => Math.max(series.lastReminderAt! + toMs(reminder.after), state.lastChangeAt + firstAfter),
      `waiting-for-${cartReminderSteps[n]}`,
      `${describeReminder(n, reminder)} after the ${cartReminderSteps[n - 1].replace('-', ' ')}, and ${reminders[0].after} after any cart change, unless the cart is closed`,
    );
    if (quiet) await sendReminder(state.cart, n);
    // A closed cart ends the series: no later reminder (a run carried on from here goes to the cooldown).
    series.remindersDone = quiet ? n + 1 : reminders.length;
    series.lastReminderAt = Date.now();
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
    await continueAsNew<typeof abandonedCart>({ ...input, heldBack: undefined, carried: journey.carry({ ...state, series: { id: state.cart.eventId } }) });
  }
  journey.at('done', 'series complete and cooldown over');
}

/** The series as a list: journeys started before `reminders` existed read their older keys. */
function remindersOf(config: AbandonedCartInput['config']): CartReminderPlan[] {
  return config.reminders ?? cartRemindersFromOlderKeys(config);
}

/**
 * The n-th reminder's template (0-based): the third says "last chance" (with its code when it
 * has an offer); an earlier one with an offer shows its code, one without the cart alone.
 */
function templateOf(n: number, reminder: CartReminderPlan): 'abandoned-cart' | 'abandoned-cart-discount' | 'abandoned-cart-last-chance' {
  if (n === 2) return 'abandoned-cart-last-chance';
  return reminder.offer ? 'abandoned-cart-discount' : 'abandoned-cart';
}

/**
 * Each reminder with an offer has a code of its own. The second keeps the key it had when it was
 * the only one with a code, so a journey that was deferring it when this changed issues the same code.
 */
function couponKey(workflowId: string, series: string, n: number): string {
  return n === 1 ? `${workflowId}/${series}/discount` : `${workflowId}/${series}/discount-${n + 1}`;
}

/** "first reminder 4 hours", "second reminder (10 % off) 20 hours": what the Temporal UI shows it waits for. */
function describeReminder(n: number, reminder: CartReminderPlan): string {
  const offer = reminder.offer ? ` (${reminder.offer.percentOff} % off)` : '';
  return `${cartReminderSteps[n].replace('-', ' ')}${offer} ${reminder.after}`;
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
