import type { Duration } from '@temporalio/common';
import type { SignalDefinition, Workflow } from '@temporalio/common';
import type { JourneyName, JourneysConfig } from '../config/journeys';
import type { EventType, ShopEvent, ShopEventOf } from './event-schemas';
import { CUSTOMER_LAPSED, type CustomerLapsedEvent } from './lapsed-events';
import { JOURNEY_DUE, type JourneyDueEvent } from './due-events';
import { inAudience as matchesAudience } from '../shared/audiences';
import { checkStepAudiences } from '../config/journeys';
import { EMAIL_CLICKED, EMAIL_OPENED, isEngagementEvent, type EngagementEvent, type EngagementEventType } from './engagement-events';
import {
  abandonedCartWorkflowId,
  backInStockRestockWorkflowId,
  backInStockWorkflowId,
  birthdayWorkflowId,
  journeyEventSignal,
  leadNurtureWorkflowId,
  orderNoticeWorkflowId,
  browseAbandonmentWorkflowId,
  orderWorkflowId,
  postPurchaseWorkflowId,
  productRestockedSignal,
  replenishmentWorkflowId,
  vipWorkflowId,
  welcomeWorkflowId,
  winBackWorkflowId,
  sunsetWorkflowId,
} from '../workflows/messages';
import { abandonedCart } from '../workflows/abandoned-cart';
import { backInStock, backInStockRestock } from '../workflows/back-in-stock';
import { birthday } from '../workflows/birthday';
import { leadNurture } from '../workflows/lead-nurture';
import { order } from '../workflows/order';
import { orderNotice } from '../workflows/order-notice';
import { browseAbandonment } from '../workflows/browse-abandonment';
import { postPurchase } from '../workflows/post-purchase';
import { replenishment } from '../workflows/replenishment';
import { vip } from '../workflows/vip';
import { welcome } from '../workflows/welcome';
import { winBack } from '../workflows/win-back';
import { sunset } from '../workflows/sunset';

/**
 * A product's stock went from 0 to more. Not part of the public event contract: PUT
 * /v1/products records it in the event store, in the transaction that changes the stock, and
 * the relay delivers it like any event (a Temporal outage delays the alerts, never loses them).
 * Its subject ("customer") is the product, so restocks of one product stay in order.
 */
export const PRODUCT_RESTOCKED = 'product.restocked';
export interface ProductRestockedEvent {
  id: string;
  type: typeof PRODUCT_RESTOCKED;
  customerId: string;
  occurredAt: string;
  properties: { productId: string; stock: number };
}

export { CUSTOMER_LAPSED, type CustomerLapsedEvent, JOURNEY_DUE, type JourneyDueEvent };

/**
 * Everything the relay delivers: the shop's events, our own restock, lapse and due events, and
 * opens and clicks. A due event names its journey and is started by dispatch itself (ingest/held-starts.ts).
 */
export type RoutedEvent = ShopEvent | ProductRestockedEvent | CustomerLapsedEvent | EngagementEvent | JourneyDueEvent;
export type RoutedEventType = EventType | typeof PRODUCT_RESTOCKED | typeof CUSTOMER_LAPSED | EngagementEventType | typeof JOURNEY_DUE;
type RoutedEventOf<T extends RoutedEventType> = T extends EventType
  ? ShopEventOf<T>
  : T extends EngagementEventType
    ? EngagementEvent
    : T extends typeof CUSTOMER_LAPSED
      ? CustomerLapsedEvent
      : T extends typeof JOURNEY_DUE
        ? JourneyDueEvent
        : ProductRestockedEvent;

/**
 * One journey's identity and routing — the one declarative table. The relay reads it; no
 * other code decides routing.
 *
 * - `name`: the journey's one name — its workflow ids' prefix, its `Journey` search attribute,
 *   its name in the API and the message log.
 * - `workflow`: the workflow function itself; `input` builds its typed argument.
 * - `startOn`: signal-with-start — the event starts the journey or, if it runs, reaches it.
 * - `signalOn`: the event reaches the journey only if it is running (an exit or an update).
 * - `restart`: 'never' = one journey per id ever (a closed one is not started again);
 *   'after-close' = a new run may start once the previous one has ended.
 * - `category`: what it mails; transactional journeys cannot be paused by accident.
 * - `lane`: 'transactional' = the events that reach this journey are what the customer waits
 *   for (a confirmation, the answer to a sign-up): dispatched ahead of the marketing backlog.
 */
export interface JourneyRoute<W extends Workflow = Workflow, T extends RoutedEventType = RoutedEventType> {
  name: JourneyName;
  /**
   * What the journey mails. A 'transactional' journey (what the customer is owed: order mail,
   * an alert they asked for) is only paused with `?force=true`: see api/routes/journeys.ts.
   */
  category: 'transactional' | 'marketing';
  workflow: W;
  /** shown in the Temporal UI as the workflow's summary */
  summary: string;
  /** `key`: the instance, for a route with `fanOut` */
  workflowId: (event: RoutedEventOf<T>, key?: string) => string;
  startOn: T[];
  signalOn: RoutedEventType[];
  /** extra condition for starting (not for signals) */
  startWhen?: (event: RoutedEventOf<T>) => boolean;
  /**
   * The event can only matter to this journey when this holds; otherwise it is not told at all.
   * A journey whose first step waits for a condition (VIP: enough orders) needs no workflow
   * until the condition holds.
   */
  mattersWhen?: (event: RoutedEventOf<T>, lookups: RouteLookups, config: JourneysConfig) => Promise<boolean>;
  restart: 'never' | 'after-close';
  /**
   * How old (received − occurred) an event may be and still start or reach this journey. An
   * older one is history — a back-fill, a replayed export — and only updates the shop's data:
   * no order confirmation for a years-old order, no win-back for a lapse long over. Unset: no
   * limit (our own restock event, made at the moment of the stock change).
   */
  maxEventAge?: Duration;
  lane?: 'transactional';
  input: (event: RoutedEventOf<T>, config: JourneysConfig, key?: string) => Parameters<W>[0];
  /**
   * One event, several journeys of this kind (one per product of an order): the instance keys.
   * Each key gets its own workflow id and input. Without it, an event touches one journey.
   */
  fanOut?: (event: RoutedEventOf<T>, lookups: RouteLookups) => string[] | Promise<string[]>;
  /** what the journey is told; default: the event itself on the journey event signal */
  signal?: { definition: SignalDefinition<[never]>; args: (event: RoutedEventOf<T>) => [unknown] };
  /** false: the subject is not a customer (no CustomerId search attribute) */
  customerScoped?: false;
  /**
   * The journey's first step only waits until the customer has been quiet for `after` since
   * its latest start event. Until then it needs no workflow: dispatch holds its start events
   * in Postgres (ingest/held-starts.ts) and starts it, with them, when the wait is over. The
   * journey must take `heldBack` in its input (workflows/kit.ts).
   * `cancelledBy`: which of the events that reach it without starting it (its `signalOn`, a
   * start event failing `startWhen`, a start event while it is paused) end it before that first
   * step; a start event that does not end it pushes the wait back, the rest do nothing to it until then.
   */
  holdUntilQuiet?: { after: (config: JourneysConfig) => Duration; cancelledBy: (event: RoutedEvent) => boolean };
}

/** What routing may ask the shop's data (the relay answers from Postgres; tests fake it). */
export interface RouteLookups {
  /** those of `productIds` that have replenishDays set */
  replenishableProducts(productIds: string[]): Promise<string[]>;
  /** the customer's orders so far (this one included) and whether a VIP invitation went out */
  vipStanding(customerId: string): Promise<{ orderCount: number; lifetimeRevenue: number; invitedAt: string | null }>;
  /** a known customer with an address who agreed to marketing (browse abandonment starts only for one) */
  isKnownConsentingCustomer(customerId: string): Promise<boolean>;
  /** the products of an order (for a cancellation, refund or return that names none) */
  orderProductIds(orderId: string): Promise<string[]>;
  /** the customer's custom profile attributes, for journeys' audiences (config `audiences`) */
  customerAttributes?(customerId: string): Promise<Record<string, string | number | boolean>>;
}

/**
 * Fails fast on an audience for a journey that does not exist (a typo would silently start
 * everyone), and on a step audience for a step that does not exist or for transactional mail
 * (what the customer is owed is not for a segment).
 */
export function checkAudiences(config: JourneysConfig): void {
  const names = new Set<string>(journeyRoutes.map((r) => r.name));
  const unknown = Object.keys(config.audiences ?? {}).filter((name) => !names.has(name));
  if (unknown.length) throw new Error(`JOURNEYS_CONFIG_FILE audiences: no journey named ${unknown.join(', ')} (journeys: ${[...names].join(', ')})`);
  checkStepAudiences(config);
  const transactional = Object.keys(config.stepAudiences ?? {}).filter((name) => journeyRoutes.find((r) => r.name === name)?.category === 'transactional');
  if (transactional.length) throw new Error(`JOURNEYS_CONFIG_FILE stepAudiences: ${transactional.join(', ')} is transactional mail, which every customer is owed`);
}

/** Whether the customer is in the journey's audience (every listed attribute has one of its values). */
async function inAudience(r: JourneyRoute, event: RoutedEvent, lookups: RouteLookups, config: JourneysConfig): Promise<boolean> {
  const audience = config.audiences?.[r.name];
  if (!audience || Object.keys(audience).length === 0) return true;
  if (!lookups.customerAttributes) throw new Error(`the ${r.name} journey has an audience but the lookups cannot read attributes`);
  return matchesAudience(audience, await lookups.customerAttributes(event.customerId));
}

/** Typed where the row is written; the table holds them side by side. */
function route<W extends Workflow, T extends RoutedEventType>(r: JourneyRoute<W, T>): JourneyRoute {
  return r as unknown as JourneyRoute;
}

export const journeyRoutes: JourneyRoute[] = [
  route({
    name: 'welcome',
    category: 'marketing',
    workflow: welcome,
    summary: 'Welcome series: coupon at once, reminder after 3 days without an order, a last nudge (bestsellers or a content pick) on day 14',
    workflowId: (event) => welcomeWorkflowId(event.customerId),
    startOn: ['customer.created'],
    signalOn: ['order.placed'],
    restart: 'never',
    maxEventAge: '7 days',
    lane: 'transactional',
    input: (event, config) => ({ customerId: event.customerId, config: config.welcome }),
  }),
  route({
    name: 'order',
    category: 'transactional',
    workflow: order,
    summary: 'Order lifecycle (transactional): confirmation, shipping notice with tracking, delivered notice',
    workflowId: (event) => orderWorkflowId(event.properties.orderId),
    startOn: ['order.placed'],
    signalOn: ['order.shipped', 'order.delivered'],
    restart: 'never',
    maxEventAge: '3 days',
    lane: 'transactional',
    input: (event, config) => ({
      customerId: event.customerId,
      orderId: event.properties.orderId,
      placedAt: event.occurredAt,
      order: event.properties,
      config: config.order,
    }),
  }),
  route({
    name: 'order-notice',
    category: 'transactional',
    workflow: orderNotice,
    summary: 'Order notice (transactional): a cancellation, refund or return notice at once',
    workflowId: (event) => orderNoticeWorkflowId(event.properties.orderId, event.id),
    startOn: ['order.cancelled', 'order.refunded', 'order.returned'],
    signalOn: [],
    restart: 'never',
    maxEventAge: '3 days',
    lane: 'transactional',
    input: (event, config) => ({
      customerId: event.customerId,
      orderId: event.properties.orderId,
      change: {
        eventId: event.id,
        kind: event.type === 'order.cancelled' ? ('cancelled' as const) : event.type === 'order.refunded' ? ('refunded' as const) : ('returned' as const),
        ...(event.properties.items ? { items: event.properties.items } : {}),
        ...(event.type === 'order.refunded' ? { refund: { amount: event.properties.amount, currency: event.properties.currency } } : {}),
      },
      config: config.orderNotice,
    }),
  }),
  route({
    name: 'abandoned-cart',
    category: 'marketing',
    workflow: abandonedCart,
    summary: 'Abandoned cart: 1 to 3 reminders (default: 4 h after the last cart change, a discount 20 h later); one series per 7 days',
    workflowId: (event) => abandonedCartWorkflowId(event.customerId),
    startOn: ['cart.updated'],
    // An emptied cart reaches a running journey (and closes it) but never starts one.
    startWhen: (event) => event.properties.items.length > 0,
    signalOn: ['order.placed', 'checkout.started'],
    restart: 'after-close',
    maxEventAge: '1 day',
    // An order, a checkout or an emptied cart closes the cart before its first reminder.
    holdUntilQuiet: {
      after: (config) => config.abandonedCart.reminders[0].after,
      cancelledBy: (event) => event.type !== 'cart.updated' || event.properties.items.length === 0,
    },
    input: (event, config) => ({ customerId: event.customerId, config: config.abandonedCart }),
  }),
  route({
    name: 'browse-abandonment',
    category: 'marketing',
    workflow: browseAbandonment,
    summary: 'Browse abandonment: 2 h after the latest product view without cart or order, the viewed products and related ones; one per 7 days',
    workflowId: (event) => browseAbandonmentWorkflowId(event.customerId),
    startOn: ['product.viewed'],
    signalOn: ['cart.updated', 'checkout.started', 'order.placed'],
    // An anonymous or non-consenting viewer can never get the email: no workflow for them.
    mattersWhen: async (event, lookups) => !onlyForConsentingCustomers.has(event.type) || lookups.isKnownConsentingCustomer(event.customerId),
    restart: 'after-close',
    maxEventAge: '1 day',
    // A cart with something in it, a checkout or an order ends the browsing; an emptied cart does not.
    holdUntilQuiet: {
      after: (config) => config.browseAbandonment.after,
      cancelledBy: (event) => (event.type === 'cart.updated' ? event.properties.items.length > 0 : event.type !== 'product.viewed'),
    },
    input: (event, config) => ({ customerId: event.customerId, config: config.browseAbandonment }),
  }),
  route({
    name: 'back-in-stock',
    category: 'transactional',
    workflow: backInStock,
    summary: 'Back in stock: alert when the requested product returns (batched), within 90 days',
    workflowId: (event) => backInStockWorkflowId(event.customerId, event.properties.productId),
    startOn: ['back_in_stock.requested'],
    signalOn: [],
    restart: 'after-close',
    maxEventAge: '7 days',
    input: (event, config) => ({
      customerId: event.customerId,
      productId: event.properties.productId,
      requestedAt: event.occurredAt,
      config: config.backInStock,
    }),
  }),
  route({
    name: 'back-in-stock-restock',
    category: 'transactional',
    workflow: backInStockRestock,
    summary: 'Back-in-stock restock: wake waiting subscribers in batches',
    workflowId: (event) => backInStockRestockWorkflowId(event.properties.productId),
    startOn: [PRODUCT_RESTOCKED],
    signalOn: [],
    restart: 'after-close',
    customerScoped: false,
    signal: { definition: productRestockedSignal as SignalDefinition<[never]>, args: (event) => [{ stock: event.properties.stock }] },
    input: (event, config) => ({ productId: event.properties.productId, config: config.backInStock }),
  }),
  route({
    name: 'post-purchase',
    category: 'marketing',
    workflow: postPurchase,
    summary: 'Post-purchase: thank-you after 3 h, review request 7 days after delivery, cross-sell after 14 days',
    workflowId: (event) => postPurchaseWorkflowId(event.properties.orderId),
    startOn: ['order.placed'],
    // A cancelled, returned or refunded order stops it: no review request for something sent back.
    signalOn: ['order.delivered', 'order.cancelled', 'order.refunded', 'order.returned'],
    restart: 'never',
    maxEventAge: '3 days',
    input: (event, config) => ({
      customerId: event.customerId,
      orderId: event.properties.orderId,
      order: event.properties,
      config: config.postPurchase,
    }),
  }),
  route({
    name: 'win-back',
    category: 'marketing',
    workflow: winBack,
    summary: 'Win-back: 90 days after the last order a coupon, a last chance 14 days later, then sunset (unengaged)',
    workflowId: (event) => winBackWorkflowId(event.customerId),
    startOn: ['order.placed'],
    // An open or click of a win-back email ends its wait for engagement at once.
    signalOn: [EMAIL_OPENED, EMAIL_CLICKED],
    restart: 'after-close',
    maxEventAge: '3 days',
    // Until the first win-back is due the journey only counts orders: held in Postgres, not a
    // workflow asleep for 90 days that every order signals. Nothing ends it before then (the
    // opens and clicks it hears are of its own emails).
    holdUntilQuiet: { after: (config) => config.winBack.firstAfter, cancelledBy: () => false },
    input: (event, config) => ({ customerId: event.customerId, config: config.winBack }),
  }),
  route({
    name: 'sunset',
    category: 'marketing',
    workflow: sunset,
    summary: 'Sunset: no open, click or order for 120 days → "still want to hear from us?"; no engagement in 14 days → unengaged',
    workflowId: (event) => sunsetWorkflowId(event.customerId),
    // Started by the sunset sweep's lapse event (workflows/sunset-sweep.ts); ended early by an
    // order or by an open or click of its own email (other emails' engagement is read at the end).
    startOn: [CUSTOMER_LAPSED],
    signalOn: ['order.placed', EMAIL_OPENED, EMAIL_CLICKED],
    restart: 'after-close',
    input: (event, config) => ({ customerId: event.customerId, lapsedSince: event.properties.lapsedSince, config: config.sunset }),
  }),
  route({
    name: 'vip',
    category: 'marketing',
    workflow: vip,
    summary: 'VIP: a one-time invitation with an exclusive reward at 5 orders or 1000 lifetime revenue',
    workflowId: (event) => vipWorkflowId(event.customerId),
    startOn: ['order.placed'],
    signalOn: [],
    // Until the customer qualifies the journey would only count orders: it starts on the order
    // that qualifies (the journey reads the same standing and invites), and never after the invitation.
    mattersWhen: async (event, lookups, config) => {
      const standing = await lookups.vipStanding(event.customerId);
      return !standing.invitedAt && (standing.orderCount >= config.vip.orderCount || standing.lifetimeRevenue >= config.vip.lifetimeRevenue);
    },
    restart: 'never',
    maxEventAge: '3 days',
    input: (event, config) => ({ customerId: event.customerId, config: config.vip }),
  }),
  route({
    name: 'birthday',
    category: 'marketing',
    workflow: birthday,
    summary: 'Birthday: every year on the birthday at 10:00 local time, a greeting with a coupon',
    workflowId: (event) => birthdayWorkflowId(event.customerId),
    startOn: ['customer.created', 'customer.updated'],
    // Any profile change reaches a running journey (the zone may have moved); a birthday starts one.
    startWhen: (event) => event.properties.birthday !== undefined,
    signalOn: [],
    restart: 'after-close',
    maxEventAge: '30 days',
    input: (event, config) => ({
      customerId: event.customerId,
      config: { ...config.birthday, defaultTimezone: config.guardrails.defaultTimezone },
    }),
  }),
  route({
    name: 'lead-nurture',
    category: 'marketing',
    workflow: leadNurture,
    summary: 'Lead nurture: a content piece on the chosen topics every 2 days, up to 5, until the first order',
    workflowId: (event) => leadNurtureWorkflowId(event.customerId),
    startOn: ['form.submitted'],
    signalOn: ['order.placed'],
    restart: 'after-close',
    maxEventAge: '2 days',
    input: (event, config) => ({ customerId: event.customerId, config: config.leadNurture }),
  }),
  route({
    name: 'replenishment',
    category: 'marketing',
    workflow: replenishment,
    summary: 'Replenishment: a reminder before the product runs out, with snooze and reschedule links',
    // Only products with a replenishment rhythm get a journey (the journey still ends at once
    // if replenishDays was removed between the order and its start).
    // A cancellation, refund or return reaches the journeys of the products it names (all of
    // the order's when it names none): the reminder stops for what the customer sent back.
    fanOut: async (event, lookups) =>
      lookups.replenishableProducts(
        event.type === 'order.placed' || event.properties.items
          ? event.properties.items!.map((item) => item.productId)
          : await lookups.orderProductIds(event.properties.orderId),
      ),
    workflowId: (event, productId) => replenishmentWorkflowId(event.customerId, productId!),
    startOn: ['order.placed'],
    signalOn: ['order.cancelled', 'order.refunded', 'order.returned'],
    restart: 'after-close',
    maxEventAge: '3 days',
    input: (event, config, productId) => ({ customerId: event.customerId, productId: productId!, config: config.replenishment }),
  }),
];

const touchedBy = (r: JourneyRoute, type: RoutedEventType) => r.startOn.includes(type) || r.signalOn.includes(type);

/**
 * An open or click reaches only the journey that sent the message — the very workflow (the
 * message's workflow id), and only when that journey's row listens for it.
 */
const reaches = (r: JourneyRoute, event: Pick<RoutedEvent, 'type'> & { properties?: unknown }) =>
  touchedBy(r, event.type) && (!isEngagementEvent(event) || event.properties.journey === r.name);

/** Whether any journey can hear of this event; one that none can is never queued for dispatch. */
/**
 * Events that reach a journey only for a known customer with an address who agreed to marketing
 * (browse abandonment's views). The store queues them only for such a customer: anyone else's
 * view is stored as dispatched at once, as if it reached no journey, instead of waiting in the
 * customer's line for the relay to look the customer up and drop it.
 */
export const onlyForConsentingCustomers: ReadonlySet<string> = new Set(['product.viewed']);

export function mayReachJourney(event: Pick<RoutedEvent, 'type'> & { properties?: unknown }): boolean {
  return journeyRoutes.some((r) => reaches(r, event));
}

/** 0: reaches a transactional journey (dispatched first); 1: the rest. */
export function dispatchLaneOf(event: Pick<RoutedEvent, 'type'>): 0 | 1 {
  return journeyRoutes.some((r) => r.lane === 'transactional' && touchedBy(r, event.type)) ? 0 : 1;
}

/**
 * `holdIfEnded`: a start of a held journey that dispatch has recorded as started goes out as a
 * signal; answered "not found" (the run ended), the event is held as for a journey never started.
 */
export type RouteMatch = { route: JourneyRoute; action: 'start' | 'signal'; holdIfEnded?: true };

/** The routes an event touches, and how. */
export async function routesFor(event: RoutedEvent, lookups: RouteLookups, config: JourneysConfig): Promise<RouteMatch[]> {
  const matches: RouteMatch[] = [];
  for (const r of journeyRoutes) {
    if (!reaches(r, event) || (r.mattersWhen && !(await r.mattersWhen(event as never, lookups, config)))) continue;
    if (isEngagementEvent(event)) {
      const sender = event.properties.workflowId;
      matches.push({ route: { ...r, workflowId: () => sender }, action: 'signal' });
      continue;
    }
    // Outside the audience an event starts nothing, but still reaches a journey already running.
    if (r.startOn.includes(event.type) && (!r.startWhen || r.startWhen(event as never)) && (await inAudience(r, event, lookups, config))) {
      matches.push(...(await instancesOf(r, event, 'start', lookups)));
    } else {
      matches.push(...(await instancesOf(r, event, 'signal', lookups)));
    }
  }
  return matches;
}

/** A fanned-out route becomes one route per key, each bound to its own workflow id and input. */
async function instancesOf(r: JourneyRoute, event: RoutedEvent, action: 'start' | 'signal', lookups: RouteLookups) {
  if (!r.fanOut) return [{ route: r, action }];
  return [...new Set(await r.fanOut(event as never, lookups))].map((key) => {
    const bound: JourneyRoute = { ...r, workflowId: (e) => r.workflowId(e, key), input: (e, c) => r.input(e, c, key) };
    return { route: bound, action };
  });
}

/** What the journey is sent for this event: its signal and the signal's arguments. */
export function signalFor(r: JourneyRoute, event: RoutedEvent): { definition: SignalDefinition<[never]>; args: [unknown] } {
  if (r.signal) return { definition: r.signal.definition, args: r.signal.args(event as never) };
  return { definition: journeyEventSignal as unknown as SignalDefinition<[never]>, args: [event] };
}

/**
 * The journeys whose workflow ids begin with the customer's id (`<journey>/<customerId>[/…]`),
 * read off each route's own id builder: erasure deletes the relay's record of them
 * (api/erasure.ts), so a customer-keyed journey added to the table is erased by itself. A
 * journey keyed by an order or a product (`order/<orderId>`) names no customer.
 */
export function customerKeyedJourneys(routes: readonly JourneyRoute[] = journeyRoutes): JourneyName[] {
  const customerId = 'customer-id-probe';
  // Every property an id builder may read (orderId, productId, …) answers a value that is not the customer's.
  const properties = new Proxy({}, { get: () => 'other-id-probe' });
  const event = { id: 'event-id-probe', type: 'probe', customerId, occurredAt: '1970-01-01T00:00:00.000Z', properties };
  return routes
    .filter((r) => {
      const id = r.workflowId(event as never, 'other-id-probe');
      const keyed = id === `${r.name}/${customerId}` || id.startsWith(`${r.name}/${customerId}/`);
      // Elsewhere in the id erasure would not find it (its look-up is by prefix): say so at start.
      if (!keyed && id.includes(customerId)) throw new Error(`journey ${r.name}: its workflow id ${id} names the customer but not right after the journey`);
      return keyed;
    })
    .map((r) => r.name);
}
