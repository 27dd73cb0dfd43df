/**
 * Replenishment — one journey per customer and product (`replenishment/<customerId>/<productId>`),
 * started by an order of a product that has replenishDays.
 *   the supply runs out at  placedAt + replenishDays × quantity
 *   reminder                leadTime (2 days) before that — never before half the supply is used
 *   in the email            "remind me in 7 days" and "pick a date": signed links whose page
 *                           sends this journey an update; the journey checks it, moves the
 *                           next reminder and answers with the new time
 *   a new order of it       starts the cycle again from that order
 *   after a reminder        the links work for followUpFor (30 days); then the journey ends
 *   the order cancelled,    the journey ends: no reminder to restock what was sent back
 *   refunded or returned    (when the change names this product, or names none)
 */
import { ApplicationFailure, continueAsNew, patched, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { Journey, type Carried, type ContinuesAsNew, type JourneyCarryOver } from './kit';
import { toMs } from '../shared/durations';
import { changeReplenishmentUpdate, replenishmentRequestSignal, type ReplenishmentChange, type ReplenishmentView } from './messages';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

export interface ReplenishmentInput extends ContinuesAsNew<ReplenishmentState> {
  customerId: string;
  productId: string;
  config: JourneysConfig['replenishment'];
}

/** The order a cycle counts from. */
export interface ReplenishmentCycle {
  orderId: string;
  placedAt: string;
  quantity: number;
}

export interface ReplenishmentState {
  cycle: ReplenishmentCycle;
  /** where a cycle that continued as new mid-way stood */
  resume?: { remindAt: number; sentReminders: number };
}

/** Runs continued before the one carried shape hold their state under `carryOver`, beside the kit's part. */
type InputBefore = { carryOver?: JourneyCarryOver & ReplenishmentState };

function carriedOf(input: ReplenishmentInput): Carried<ReplenishmentState> | undefined {
  const before = (input as InputBefore).carryOver;
  if (input.carried || !before) return input.carried;
  const { seenEventIds, ...state } = before;
  return { kit: { seenEventIds }, state };
}


type Lookups = Pick<Activities, 'findReplenishableProduct' | 'replenishmentLinks'>;
const lookupOptions = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes' } } as const;
const remoteLookups = proxyActivities<Lookups>(lookupOptions);
/**
 * A product read and link signing, run inside the workflow task: both before a reminder are
 * one billed action instead of two. Journeys started before this change replay them as activities.
 */
const localLookups = proxyLocalActivities<Lookups>(lookupOptions);
const lookups = (): Lookups => (patched('replenishment-local-lookups') ? localLookups : remoteLookups);
/** Only when a customer picks a date on the link page. */
const { planReschedule } = proxyActivities<Pick<Activities, 'planReschedule'>>(lookupOptions);

const DAY = toMs('1 day');
const KEEP_MOVES_MADE_WHILE_SENDING = 'replenishment-keeps-moves-made-while-sending';
/** Patch id: a cancellation, refund or return of the cycle's order ends the journey. */
const STOPS_FOR_REFUNDED_ITEMS = 'replenishment-stops-for-refunded-items';

export async function replenishment(input: ReplenishmentInput): Promise<void> {
  const { customerId, productId, config, historyLimit } = input;
  const carried = carriedOf(input);
  const journey = new Journey<ReplenishmentView>({ journey: 'replenishment', customerId, carried, historyLimit, sendWindows: config.sendWindows });
  let cycle: ReplenishmentCycle | undefined = carried?.state.cycle;
  let nextCycle: ReplenishmentCycle | undefined;
  let requestedAt: number | undefined;

  journey.on('order.placed', (event) => {
    const quantity = event.properties.items
      .filter((item) => item.productId === productId)
      .reduce((sum, item) => sum + item.quantity, 0);
    if (quantity === 0) return;
    const order = { orderId: event.properties.orderId, placedAt: event.occurredAt, quantity };
    if (!cycle) cycle = order;
    // An order that arrives late but was placed before the current one changes nothing.
    else if (order.orderId !== cycle.orderId && Date.parse(order.placedAt) >= Date.parse(cycle.placedAt)) nextCycle = order;
  });
  // The cycle's order gave this product back (cancelled, refunded or returned).
  let sentBack = false;
  const onChange = (event: { properties: { orderId: string; items?: { productId: string }[] } }) => {
    if (!cycle || event.properties.orderId !== cycle.orderId) return;
    if (!event.properties.items || event.properties.items.some((item) => item.productId === productId)) sentBack = true;
  };
  journey.on('order.cancelled', onChange).on('order.refunded', onChange).on('order.returned', onChange);
  /** True (and the journey is done) once sent back; journeys that never heard of it replay as before. */
  const stopped = () => {
    if (!sentBack || !patched(STOPS_FOR_REFUNDED_ITEMS)) return false;
    journey.at('done', `order ${cycle?.orderId} cancelled, refunded or returned: no reminder for ${productId}`);
    return true;
  };
  setHandler(replenishmentRequestSignal, (request) => {
    if (!cycle || request.orderId !== cycle.orderId) return;
    requestedAt = request.kind === 'snooze' ? Date.now() + toMs(config.snoozeBy) : Date.parse(request.remindAt);
  });
  // Reminder moves from the email's link page. The validator turns away what cannot apply
  // without touching history; the handler computes the time from this journey's own config.
  let reminderPlanned = false;
  setHandler(
    changeReplenishmentUpdate,
    async (change) => {
      let at: number;
      if (change.kind === 'snooze') at = Date.now() + toMs(config.snoozeBy);
      else {
        const answer = await planReschedule({
          customerId,
          date: change.date,
          atLocalHour: config.rescheduleAtLocalHour,
          within: config.rescheduleWithin,
        });
        if ('rejected' in answer) throw ApplicationFailure.nonRetryable(answer.rejected, 'invalid_date');
        at = Date.parse(answer.remindAt);
      }
      requestedAt = Math.max(Date.now(), at);
      return { remindAt: new Date(requestedAt).toISOString() };
    },
    { validator: (change) => validateChange(change, cycle?.orderId, reminderPlanned && nextCycle === undefined) },
  );
  const restartWith = (order: ReplenishmentCycle) =>
    continueAsNew<typeof replenishment>({ customerId, productId, config, historyLimit, carried: journey.carry({ cycle: order }) });

  if (!(await journey.waitUntil(() => cycle !== undefined, '1 minute', 'waiting-for-order', 'waiting for the order'))) {
    return journey.at('done', 'started without an order of the product');
  }
  const current = cycle!;
  const product = await lookups().findReplenishableProduct(productId);
  if (!product) return journey.at('done', `${productId} has no replenishDays: nothing to remind of`);

  const placedAt = Date.parse(current.placedAt);
  const runsOutAt = placedAt + product.replenishDays * current.quantity * DAY;
  // A short supply with a long lead time would remind at checkout: wait at least half of it.
  let remindAt = Math.max(runsOutAt - toMs(config.leadTime), placedAt + (runsOutAt - placedAt) / 2);
  reminderPlanned = true;
  const show = (reminders: number) => {
    journey.data = {
      snoozeBy: config.snoozeBy,
      rescheduleWithin: config.rescheduleWithin,
      productId,
      productTitle: product.title,
      orderId: current.orderId,
      quantity: current.quantity,
      runsOutAt: new Date(runsOutAt).toISOString(),
      nextReminderAt: new Date(remindAt).toISOString(),
      reminders,
    };
  };

  const resume = carried?.state.resume;
  let sentReminders = resume?.sentReminders ?? 0;
  if (resume) remindAt = resume.remindAt;
  for (;;) {
    show(sentReminders);
    if (journey.historyIsLong()) {
      // Only a flood of link clicks grows a cycle's history this far.
      return continueAsNew<typeof replenishment>({
        customerId,
        productId,
        config,
        historyLimit,
        carried: journey.carry({ cycle: current, resume: { remindAt, sentReminders } }),
      });
    }
    // A move asked for while the journey was busy (sending) counts: the page already confirmed it.
    if (!patched(KEEP_MOVES_MADE_WHILE_SENDING)) requestedAt = undefined;
    await journey.waitUntil(
      () => nextCycle !== undefined || requestedAt !== undefined || sentBack,
      Math.max(0, remindAt - Date.now()),
      'waiting-to-remind',
      `reminder ${sentReminders + 1} for ${product.title} at ${new Date(remindAt).toISOString()} unless it is reordered`,
    );
    if (nextCycle) return restartWith(nextCycle);
    if (stopped()) return;
    if (requestedAt !== undefined) {
      remindAt = Math.max(Date.now(), requestedAt);
      requestedAt = undefined;
      continue;
    }

    // The title, URL or picture may have changed since the order.
    const latest = await lookups().findReplenishableProduct(productId);
    if (!latest) return journey.at('done', `${productId} is no longer replenishable`);
    const links = await lookups().replenishmentLinks({ customerId, productId, orderId: current.orderId });
    const reminder = sentReminders + 1;
    journey.at('replenishment-reminder', `sending reminder ${reminder}`);
    const outcome = await journey.send(
      'replenishment-reminder',
      'replenishment',
      {
        items: [{ productId, title: latest.title, url: latest.url, ...(latest.imageUrl ? { imageUrl: latest.imageUrl } : {}) }],
        runsOutAt: new Date(runsOutAt).toISOString(),
        snoozeUrl: links.snoozeUrl,
        rescheduleUrl: links.rescheduleUrl,
        snoozeBy: String(config.snoozeBy),
      },
      {
        category: 'marketing',
        onCap: 'defer',
        promotes: true,
        iteration: `${current.orderId}/${reminder}`,
        stillWanted: () => nextCycle === undefined && !sentBack,
      },
    );
    if (nextCycle) return restartWith(nextCycle);
    if (outcome.status !== 'sent') return journey.at('done', `reminder not sent (${outcome.reason})`);
    sentReminders = reminder;

    show(sentReminders);
    if (!patched(KEEP_MOVES_MADE_WHILE_SENDING)) requestedAt = undefined;
    const acted = await journey.waitUntil(
      () => nextCycle !== undefined || requestedAt !== undefined || sentBack,
      config.followUpFor,
      'waiting-for-reorder',
      `reminder ${reminder} sent; its snooze and reschedule links work for ${config.followUpFor}`,
    );
    if (nextCycle) return restartWith(nextCycle);
    if (stopped()) return;
    if (!acted) return journey.at('done', 'reminded; no reorder and no new date asked for');
    remindAt = Math.max(Date.now(), requestedAt!);
    requestedAt = undefined;
  }
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Why a change cannot apply (thrown: the update is rejected and leaves no trace in history). */
function validateChange(change: ReplenishmentChange, currentOrderId: string | undefined, open: boolean): void {
  if (!open || change.orderId !== currentOrderId) {
    throw ApplicationFailure.nonRetryable('this link belongs to an earlier order or a reminder that has run its course', 'stale_link');
  }
  if (change.kind === 'reschedule' && (!CALENDAR_DATE.test(change.date) || Number.isNaN(Date.parse(change.date)))) {
    throw ApplicationFailure.nonRetryable(`not a calendar date: ${change.date}`, 'invalid_date');
  }
}
