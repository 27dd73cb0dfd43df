/**
 * The journeys' public contract: every signal, query and update a client may send, the search
 * attributes journeys keep, and the workflow ids. The API, the ingest relay, the dev server, the
 * compose setup and the tests import these; none of them spells a name of its own.
 *
 * Loaded both by clients and inside the workflow sandbox, so: definitions and pure functions
 * only, values from `@temporalio/workflow` and `@temporalio/common`, everything else as types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, type Duration } from '@temporalio/common';
import type { ShopEvent } from '../ingest/event-schemas';
import type { EngagementEvent } from '../ingest/engagement-events';

// ── Signals, queries, updates ───────────────────────────────────────────────────────────────────

/** What journeys hear: the shop's events, and opens and clicks of the journey's own emails. */
export type JourneyEvent = ShopEvent | EngagementEvent;

/** Every journey receives shop events (and engagement) through this one signal; the ingest relay sends it. */
export const journeyEventSignal = defineSignal<[JourneyEvent]>('journeyEvent');

/**
 * What a person (or the API) sees of a journey: GET /v1/customers/:id/journeys uses it. `data`
 * is the journey's own view (empty until the journey has something to show); a caller that
 * reads it uses that journey's typed query below.
 */
export interface JourneyStateView<Data extends object = object> {
  journey: string;
  customerId: string;
  step: string;
  details: string;
  nextWakeUp: string | null;
  sent: string[];
  data: Partial<Data>;
}
/** The `state` query as every journey answers it (the fields all journeys share). */
export const stateQuery = defineQuery<JourneyStateView>('state');

/** What the replenishment journey shows of its current cycle. */
export interface ReplenishmentView {
  productId: string;
  productTitle: string;
  orderId: string;
  quantity: number;
  runsOutAt: string;
  nextReminderAt: string;
  reminders: number;
  /** from the journey's own config: what "remind me later" adds, how far ahead a date may be picked */
  snoozeBy: Duration;
  rescheduleWithin: Duration;
}
export const replenishmentStateQuery = defineQuery<JourneyStateView<ReplenishmentView>>('state');

/** What the birthday journey shows: the next greeting and the years already greeted. */
export interface BirthdayView {
  nextGreetingAt: string | null;
  birthday: string | null;
  timezone: string | null;
  celebratedThrough: number | null;
  greetedYears: number[];
}
export const birthdayStateQuery = defineQuery<JourneyStateView<BirthdayView>>('state');

/** What the post-purchase journey shows: each step's outcome so far. */
export interface PostPurchaseView {
  orderId: string;
  outcomes: Record<string, string>;
}
export const postPurchaseStateQuery = defineQuery<JourneyStateView<PostPurchaseView>>('state');

/** What the welcome journey shows: whether the welcome email went out and an order came. */
export interface WelcomeView {
  welcomed: boolean;
  ordered: boolean;
}
export const welcomeStateQuery = defineQuery<JourneyStateView<WelcomeView>>('state');

/** What the order journey shows: how many parcels it has announced. */
export interface OrderView {
  orderId: string;
  shipmentsAnnounced: number;
}
export const orderStateQuery = defineQuery<JourneyStateView<OrderView>>('state');

/** What the abandoned-cart journey shows: the cart and the reminder series it is in. */
export interface AbandonedCartView {
  abandoned: boolean;
  /** lines in the latest cart */
  items: number;
  series: {
    id: string;
    firstReminderAt?: number;
    /** reminder steps taken in this series (runs carried from before it show secondReminderDone) */
    remindersDone?: number;
    lastReminderAt?: number;
    secondReminderDone?: boolean;
    remindedCartEventId?: string;
  } | null;
}
export const abandonedCartStateQuery = defineQuery<JourneyStateView<AbandonedCartView>>('state');

/** What a back-in-stock subscription shows: the product, the request and when it expires. */
export interface BackInStockView {
  productId: string;
  requestedAt: string;
  expiresAt: string;
}
export const backInStockStateQuery = defineQuery<JourneyStateView<BackInStockView>>('state');

/** What the win-back journey shows: its clock and what it has sent. */
export interface WinBackView {
  /** the latest order's time (ms) as the shop reported it, never later than its arrival */
  lastOrderAt: number | null;
  /** when the current clock started: the last order, or the last open/click after a win-back */
  clockFrom: number | null;
  ordersSeen: number;
  winBacksSent: number;
  /** this run's place in the chain of continue-as-new runs (1 = the first) */
  generation: number;
}
export const winBackStateQuery = defineQuery<JourneyStateView<WinBackView>>('state');

/** What the sunset journey shows: the lapse it asks about and how it ended. */
export interface SunsetView {
  /** when the customer last engaged (or began receiving marketing mail): the lapse's start */
  lapsedSince: string;
  /** when the "still want to hear from us?" email went out */
  askedAt: string | null;
  /** the latest engagement this journey heard of (an order, an open or click of its email) */
  engagedAt: string | null;
  outcome: 'asking' | 'stays' | 'unengaged' | 'not-asked';
}
export const sunsetStateQuery = defineQuery<JourneyStateView<SunsetView>>('state');

/** What the sunset sweep shows: where the current pass stands and what the passes found. */
export interface SunsetSweepView {
  /** the pass's reference time: lapsed = no engagement for `sunset.after` before it */
  passAt: string | null;
  /** the last customer id the current pass looked at (null: between passes) */
  cursor: string | null;
  passes: number;
  /** customers found lapsed and handed to a sunset journey, over all passes of this run chain */
  lapsedFound: number;
}
export const sunsetSweepStateQuery = defineQuery<JourneyStateView<SunsetSweepView>>('state');

/** What the VIP journey shows: the customer's standing as last read. */
export interface VipView {
  orderCount: number;
  lifetimeRevenue: number;
  /** invitations tried and not sent (the next try gets a new ledger key) */
  attempts: number;
}
export const vipStateQuery = defineQuery<JourneyStateView<VipView>>('state');

/** What the lead-nurture journey shows: the lead's topics and the pieces sent. */
export interface LeadNurtureView {
  topics: string[];
  sentPieceIds: string[];
  maxPieces: number;
}
export const leadNurtureStateQuery = defineQuery<JourneyStateView<LeadNurtureView>>('state');

/** A product came back: sent by the API to the restock coordinator, and by it to a batch of subscribers. */
export const productRestockedSignal = defineSignal<[{ stock: number }]>('productRestocked');

/**
 * From a replenishment email's link page. `orderId` names the cycle the email belonged to: a
 * link in an email from before the latest order moves nothing.
 */
export type ReplenishmentChange = { orderId: string } & ({ kind: 'snooze' } | { kind: 'reschedule'; date: string });
/** The reminder's new time, as the journey computed it from its own config. */
export interface ReplenishmentChanged {
  remindAt: string;
}
/**
 * Snooze or reschedule the next reminder. Rejected, with the reason as the failure's message:
 * `stale_link` (an earlier order's email, or no reminder to move) and `invalid_date` (not a
 * day between tomorrow and the journey's rescheduleWithin, in the customer's calendar).
 */
export const changeReplenishmentUpdate = defineUpdate<ReplenishmentChanged, [ReplenishmentChange]>('changeReplenishment');

/** Before the update: kept so that journeys with such a signal in their history still replay. */
export type ReplenishmentRequest = { orderId: string } & ({ kind: 'snooze' } | { kind: 'reschedule'; remindAt: string });
export const replenishmentRequestSignal = defineSignal<[ReplenishmentRequest]>('replenishmentRequest');

// ── Search attributes ───────────────────────────────────────────────────────────────────────

/** Keyword attributes: exact-match filters in the Temporal UI, the CLI and the API's journey list. */
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const JourneyKey = defineSearchAttributeKey('Journey', SearchAttributeType.KEYWORD);
export const JourneyStepKey = defineSearchAttributeKey('JourneyStep', SearchAttributeType.KEYWORD);

/**
 * Every attribute a journey upserts. A namespace must know them before the first journey starts
 * (Temporal rejects unknown attributes): the dev server, the test servers and the compose setup
 * all register exactly this list.
 */
export const journeySearchAttributes = [CustomerIdKey, JourneyKey, JourneyStepKey] as const;

// ── Task queues ─────────────────────────────────────────────────────────────────────────────

/** Temporal priority keys (1 = first; 3 is the server's default): transactional journeys and sends go first. */
export const TRANSACTIONAL_PRIORITY = 1;
export const MARKETING_PRIORITY = 3;

/**
 * The send activity's longest wait between tries (it doubles from 2 s up to this). A
 * transactional email is awaited: a run of provider refusals must not push its next try minutes
 * out. Marketing can wait. The refusals a send gets before it fails (activities/send-message.ts)
 * are sized from these.
 */
export const SEND_RETRY_MAX_INTERVAL = { transactional: '20 seconds', marketing: '10 minutes' } as const;

/** The task queue of the send activity, next to the journeys' queue `taskQueue`. */
export function sendsTaskQueue(taskQueue: string): string {
  return `${taskQueue}-sends`;
}

// ── Workflow ids ────────────────────────────────────────────────────────────────────────────

/**
 * One part of a workflow id. Parts are joined with `/`, so a `/` inside a shop's id would make
 * `back-in-stock/a/b/c` ambiguous (customer `a/b` or product `b/c`): `/` and `%` (the escape
 * itself) are percent-encoded. Every other character is left alone, so the ids of ordinary
 * customers, orders and products, and of the journeys already running under them, do not change.
 */
export function workflowIdPart(part: string): string {
  return part.replace(/%/g, '%25').replace(/\//g, '%2F');
}

const workflowId = (journey: string, ...parts: string[]) => [journey, ...parts.map(workflowIdPart)].join('/');

export const welcomeWorkflowId = (customerId: string) => workflowId('welcome', customerId);
export const orderWorkflowId = (orderId: string) => workflowId('order', orderId);
export const abandonedCartWorkflowId = (customerId: string) => workflowId('abandoned-cart', customerId);
export const backInStockWorkflowId = (customerId: string, productId: string) => workflowId('back-in-stock', customerId, productId);
export const backInStockRestockWorkflowId = (productId: string) => workflowId('back-in-stock-restock', productId);
export const postPurchaseWorkflowId = (orderId: string) => workflowId('post-purchase', orderId);
export const winBackWorkflowId = (customerId: string) => workflowId('win-back', customerId);
export const vipWorkflowId = (customerId: string) => workflowId('vip', customerId);
export const birthdayWorkflowId = (customerId: string) => workflowId('birthday', customerId);
export const leadNurtureWorkflowId = (customerId: string) => workflowId('lead-nurture', customerId);
export const replenishmentWorkflowId = (customerId: string, productId: string) => workflowId('replenishment', customerId, productId);
/** One notice per cancellation, refund or return event of an order. */
export const orderNoticeWorkflowId = (orderId: string, eventId: string) => workflowId('order-notice', orderId, eventId);
export const browseAbandonmentWorkflowId = (customerId: string) => workflowId('browse-abandonment', customerId);
/** The sunset journey of one lapse: `sunset/<customerId>`. */
export const sunsetWorkflowId = (customerId: string) => workflowId('sunset', customerId);
/** The one coordinator that finds lapsed recipients and starts their sunset journeys. */
export const SUNSET_SWEEP_WORKFLOW_ID = 'sunset-sweep';
/** Start a sweep pass now instead of at the next scheduled time (operators, tests). */
export const sweepNowSignal = defineSignal('sweepNow');
