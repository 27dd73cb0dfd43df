import type { JourneysConfig } from '../config/journeys';
import type { EventType, ShopEvent, ShopEventOf } from './event-schemas';
import {
  abandonedCartWorkflowId,
  backInStockWorkflowId,
  birthdayWorkflowId,
  leadNurtureWorkflowId,
  orderWorkflowId,
  postPurchaseWorkflowId,
  replenishmentWorkflowId,
  vipWorkflowId,
  welcomeWorkflowId,
  winBackWorkflowId,
} from '../workflows/messages';

/**
 * Which events reach which journeys — the one declarative table. The relay reads it; no
 * other code decides routing.
 *
 * - `startOn`: signal-with-start — the event starts the journey or, if it runs, reaches it.
 * - `signalOn`: the event reaches the journey only if it is running (an exit or an update).
 * - `restart`: 'never' = one journey per id ever (a closed one is not started again);
 *   'after-close' = a new run may start once the previous one has ended.
 */
export interface JourneyRoute<T extends EventType = EventType> {
  journey: string;
  /** shown in the Temporal UI as the workflow's summary */
  summary: string;
  /** `key`: the instance, for a route with `fanOut` */
  workflowId: (event: ShopEvent, key?: string) => string;
  startOn: T[];
  signalOn: EventType[];
  /** extra condition for starting (not for signals) */
  startWhen?: (event: ShopEventOf<T>) => boolean;
  restart: 'never' | 'after-close';
  input: (event: ShopEventOf<T>, config: JourneysConfig, key?: string) => unknown;
  /**
   * One event, several journeys of this kind (one per product of an order): the instance keys.
   * Each key gets its own workflow id and input. Without it, an event touches one journey.
   */
  fanOut?: (event: ShopEventOf<T>, lookups: RouteLookups) => string[] | Promise<string[]>;
}

/** What routing may ask the shop's data (the relay answers from Postgres; tests fake it). */
export interface RouteLookups {
  /** those of `productIds` that have replenishDays set */
  replenishableProducts(productIds: string[]): Promise<string[]>;
}

function route<T extends EventType>(r: JourneyRoute<T>): JourneyRoute {
  return r as unknown as JourneyRoute;
}

export const journeyRoutes: JourneyRoute[] = [
  route({
    journey: 'welcome',
    summary: 'Welcome series: coupon at once, reminder after 3 days without an order',
    workflowId: (event) => welcomeWorkflowId(event.customerId),
    startOn: ['customer.created'],
    signalOn: ['order.placed'],
    restart: 'never',
    input: (event, config) => ({ customerId: event.customerId, config: config.welcome }),
  }),
  route({
    journey: 'order',
    summary: 'Order lifecycle (transactional): confirmation, shipping notice with tracking, delivered notice',
    workflowId: (event) => orderWorkflowId((event.properties as { orderId: string }).orderId),
    startOn: ['order.placed'],
    signalOn: ['order.shipped', 'order.delivered'],
    restart: 'never',
    input: (event, config) => ({
      customerId: event.customerId,
      orderId: event.properties.orderId,
      placedAt: event.occurredAt,
      order: event.properties,
      config: config.order,
    }),
  }),
  route({
    journey: 'abandonedCart',
    summary: 'Abandoned cart: reminder 4 h after the last cart change, discount 20 h later; one series per 7 days',
    workflowId: (event) => abandonedCartWorkflowId(event.customerId),
    startOn: ['cart.updated'],
    // An emptied cart reaches a running journey (and closes it) but never starts one.
    startWhen: (event) => event.properties.items.length > 0,
    signalOn: ['order.placed', 'checkout.started'],
    restart: 'after-close',
    input: (event, config) => ({ customerId: event.customerId, config: config.abandonedCart }),
  }),
  route({
    journey: 'backInStock',
    summary: 'Back in stock: alert when the requested product returns (batched), within 90 days',
    workflowId: (event) => backInStockWorkflowId(event.customerId, (event.properties as { productId: string }).productId),
    startOn: ['back_in_stock.requested'],
    signalOn: [],
    restart: 'after-close',
    input: (event, config) => ({
      customerId: event.customerId,
      productId: event.properties.productId,
      requestedAt: event.occurredAt,
      config: config.backInStock,
    }),
  }),
  route({
    journey: 'postPurchase',
    summary: 'Post-purchase: thank-you after 3 h, review request 7 days after delivery, cross-sell after 14 days',
    workflowId: (event) => postPurchaseWorkflowId((event.properties as { orderId: string }).orderId),
    startOn: ['order.placed'],
    signalOn: ['order.delivered'],
    restart: 'never',
    input: (event, config) => ({
      customerId: event.customerId,
      orderId: event.properties.orderId,
      order: event.properties,
      config: config.postPurchase,
    }),
  }),
  route({
    journey: 'winBack',
    summary: 'Win-back: 90 days after the last order a coupon, a last chance 14 days later, then sunset (unengaged)',
    workflowId: (event) => winBackWorkflowId(event.customerId),
    startOn: ['order.placed'],
    signalOn: [],
    restart: 'after-close',
    input: (event, config) => ({ customerId: event.customerId, config: config.winBack }),
  }),
  route({
    journey: 'vip',
    summary: 'VIP: a one-time invitation with an exclusive reward at 5 orders or 1000 lifetime revenue',
    workflowId: (event) => vipWorkflowId(event.customerId),
    startOn: ['order.placed'],
    signalOn: [],
    restart: 'never',
    input: (event, config) => ({ customerId: event.customerId, config: config.vip }),
  }),
  route({
    journey: 'birthday',
    summary: 'Birthday: every year on the birthday at 10:00 local time, a greeting with a coupon',
    workflowId: (event) => birthdayWorkflowId(event.customerId),
    startOn: ['customer.created', 'customer.updated'],
    // Any profile change reaches a running journey (the zone may have moved); a birthday starts one.
    startWhen: (event) => event.properties.birthday !== undefined,
    signalOn: [],
    restart: 'after-close',
    input: (event, config) => ({
      customerId: event.customerId,
      config: { ...config.birthday, defaultTimezone: config.guardrails.defaultTimezone },
    }),
  }),
  route({
    journey: 'leadNurture',
    summary: 'Lead nurture: a content piece on the chosen topics every 2 days, up to 5, until the first order',
    workflowId: (event) => leadNurtureWorkflowId(event.customerId),
    startOn: ['form.submitted'],
    signalOn: ['order.placed'],
    restart: 'after-close',
    input: (event, config) => ({ customerId: event.customerId, config: config.leadNurture }),
  }),
  route({
    journey: 'replenishment',
    summary: 'Replenishment: a reminder before the product runs out, with snooze and reschedule links',
    // Only products with a replenishment rhythm get a journey (the journey still ends at once
    // if replenishDays was removed between the order and its start).
    fanOut: (event, lookups) => lookups.replenishableProducts(event.properties.items.map((item) => item.productId)),
    workflowId: (event, productId) => replenishmentWorkflowId(event.customerId, productId!),
    startOn: ['order.placed'],
    signalOn: [],
    restart: 'after-close',
    input: (event, config, productId) => ({ customerId: event.customerId, productId, config: config.replenishment }),
  }),
];

/** The routes an event touches, and how. */
export async function routesFor(
  event: ShopEvent,
  lookups: RouteLookups,
): Promise<{ route: JourneyRoute; action: 'start' | 'signal' }[]> {
  const matches: { route: JourneyRoute; action: 'start' | 'signal' }[] = [];
  for (const r of journeyRoutes) {
    if (r.startOn.includes(event.type) && (!r.startWhen || r.startWhen(event as never))) {
      matches.push(...(await instancesOf(r, event, 'start', lookups)));
    } else if (r.signalOn.includes(event.type) || r.startOn.includes(event.type)) {
      matches.push(...(await instancesOf(r, event, 'signal', lookups)));
    }
  }
  return matches;
}

/** A fanned-out route becomes one route per key, each bound to its own workflow id and input. */
async function instancesOf(r: JourneyRoute, event: ShopEvent, action: 'start' | 'signal', lookups: RouteLookups) {
  if (!r.fanOut) return [{ route: r, action }];
  return [...new Set(await r.fanOut(event as never, lookups))].map((key) => {
    const bound: JourneyRoute = { ...r, workflowId: (e) => r.workflowId(e, key), input: (e, c) => r.input(e, c, key) };
    return { route: bound, action };
  });
}
