/**
 * The journey kit: the Temporal details every journey shares, so that each journey file reads
 * like the marketing brief. Deterministic code only: this file is bundled into the workflow
 * sandbox, so it imports `@temporalio/workflow`, the contract in ./messages, pure helpers from
 * ../shared and *types*, nothing else. Clients never load it: they import ./messages.
 */
import {
  condition,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { toMs } from '../shared/durations';
import {
  CustomerIdKey,
  JourneyKey,
  JourneyStepKey,
  MARKETING_PRIORITY,
  SEND_RETRY_MAX_INTERVAL,
  TRANSACTIONAL_PRIORITY,
  journeyEventSignal,
  sendsTaskQueue,
  type JourneyEvent,
  stateQuery,
  type JourneyStateView,
} from './messages';
import type { Activities } from '../activities';
import type { CapPolicy, CouponRequest, SendMessageOptions, SendOutcome, SendWindow } from '../activities/types';
import type { EventType, ShopEvent, ShopEventOf } from '../ingest/event-schemas';
import type { EngagementEvent, EngagementEventType } from '../ingest/engagement-events';
import type { TemplateName, TemplateData } from '../emails';

export type { Duration, ShopEvent, ShopEventOf, EventType, SendOutcome, JourneyEvent, EngagementEvent };

/** Event types a journey can handle: the shop's, and opens/clicks of its own emails. */
export type JourneyEventType = EventType | EngagementEventType;
export type JourneyEventOf<T extends JourneyEventType> = T extends EventType ? ShopEventOf<T> : EngagementEvent;

/**
 * Sends go through one activity. Its retries cover provider 429/5xx; the ledger row and the
 * idempotency key make every retry safe (never the same email twice).
 */
function sendMessage(input: Parameters<Activities['sendMessage']>[0]): Promise<SendOutcome> {
  // Sends run on their own task queue, rate-limited by the server for all workers together
  // (the provider's limit is per account, not per process). The queue is named after the
  // journey's own, so each deployment (and each test's queue) has its own sends queue.
  const { sendMessage: send } = proxyActivities<Pick<Activities, 'sendMessage'>>({
    taskQueue: sendsTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '1 minute',
    // The worker heartbeats while the send runs: a send on a worker that died is retried
    // elsewhere after this long, not after the whole minute.
    heartbeatTimeout: '10 seconds',
    // (Replay compares an activity's type and id, not its retry policy.)
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: SEND_RETRY_MAX_INTERVAL[input.category] },
    // The rate limit is shared, so a marketing backlog would otherwise queue the order
    // confirmation behind it: the server hands out transactional sends first.
    priority: { priorityKey: input.category === 'transactional' ? TRANSACTIONAL_PRIORITY : MARKETING_PRIORITY },
  });
  return send(input);
}

/** Journeys started before this change replay their upserts as they made them. */
const SKIP_NO_OP_SEARCH_ATTRIBUTES = 'kit-skip-no-op-search-attributes';
/** Patch id: a journey ending with an event it had not looked at continues as new with it. */
const LATE_EVENTS_START_OVER = 'late-events-start-over';

/** History events after which a journey continues as new (Temporal's own limit is 51,200). */
const DEFAULT_HISTORY_LIMIT = 2_000;

/** Event ids seen, bounded: continue-as-new carries them over so a late duplicate still dedupes. */
const SEEN_EVENT_IDS_KEPT = 500;

/** The kit's part of what continue-as-new carries. */
export interface JourneyCarryOver {
  seenEventIds?: string[];
}

/**
 * What continue-as-new carries into a journey's next run: the kit's part (event ids seen, so a
 * late duplicate still dedupes) and the journey's own state, typed by the journey.
 */
export interface Carried<State> {
  kit: JourneyCarryOver;
  state: State;
}

/**
 * The continue-as-new part of every journey's input: one shape for all of them
 * (test/workflows/carried-shape.test.ts holds every journey to it).
 */
export interface ContinuesAsNew<State> {
  /** set by continue-as-new: where the previous run stood */
  carried?: Carried<State>;
  /** continue as new beyond this many history events (default 2,000, or sooner when the server suggests it); tests pass a small one */
  historyLimit?: number;
}

/**
 * The events dispatch held back while the customer was still active (ingest/held-starts.ts),
 * given to a journey that starts only once they were quiet. `quietSince`: when the newest of
 * them reached us (epoch ms), where the journey's quiet clock starts.
 */
export interface HeldBack {
  events: JourneyEvent[];
  quietSince: number;
}

type Handler<T extends JourneyEventType> = (event: JourneyEventOf<T>) => void;

/** `Data`: the journey's own part of the `state` query (its view type lives in ./messages). */
export class Journey<Data extends object = object> {
  readonly name: string;
  readonly customerId: string;
  private readonly seen: string[];
  private readonly seenSet: Set<string>;
  private readonly handlers = new Map<JourneyEventType, Handler<JourneyEventType>[]>();
  /**
   * Signals that came with the start (signal-with-start, a batch) are delivered inside the
   * constructor's setHandler, before the journey has registered its `on` handlers. They wait
   * here and reach handlers registered before the journey first waits or sends.
   */
  private early: JourneyEvent[] | undefined = [];
  private readonly sentSteps: string[] = [];
  private readonly endsOnOrder: boolean;
  private readonly sendWindows: Partial<Record<string, SendWindow>>;
  private readonly historyLimit: number | undefined;
  /**
   * Events received since the journey last began a step (a wait, a sleep, a send): the ones its
   * code may not have looked at yet. One that lands in the same task as the last activity
   * result has run its handler, but the journey may be deciding to end without it.
   */
  private sinceLastStep: JourneyEvent[] = [];
  private step = 'started';
  /** the JourneyStep search attribute as this run last set it (continue-as-new carries it over) */
  private stepAttribute = workflowInfo().typedSearchAttributes.get(JourneyStepKey);
  private details = '';
  private wakeUpAt: number | null = null;
  /** Extra state a journey exposes through the `state` query. */
  data: Partial<Data> = {};

  /**
   * `endsOnOrder`: the journey stops when the customer orders, so a send retried after the
   * provider refused it is dropped when an order was placed meanwhile.
   */
  constructor(options: {
    journey: string;
    customerId: string;
    /** what the previous run carried (the kit reads its own part) */
    carried?: { kit: JourneyCarryOver };
    historyLimit?: number;
    endsOnOrder?: boolean;
    /** each step's send window from the journey's config (`sendWindows`); a step not named is 'standard' */
    sendWindows?: Partial<Record<string, SendWindow>>;
    /** events held back until the customer was quiet: they reach the handlers first, in line order */
    heldBack?: HeldBack;
  }) {
    this.name = options.journey;
    this.endsOnOrder = options.endsOnOrder ?? false;
    this.sendWindows = options.sendWindows ?? {};
    this.customerId = options.customerId;
    this.historyLimit = options.historyLimit;
    this.seen = [...(options.carried?.kit.seenEventIds ?? [])];
    this.seenSet = new Set(this.seen);
    // Before the start's own signal (the newest of them, then seen already): the order they came in.
    for (const event of options.heldBack?.events ?? []) this.receive(event);
    setHandler(journeyEventSignal, (event) => this.receive(event));
    setHandler(stateQuery, () => this.view());
    // Dispatch starts journeys with these attributes; setting them again is a billed action
    // that changes nothing.
    const startedWith = workflowInfo().typedSearchAttributes;
    const alreadySet = startedWith.get(CustomerIdKey) === this.customerId && startedWith.get(JourneyKey) === this.name;
    if (!alreadySet || !patched(SKIP_NO_OP_SEARCH_ATTRIBUTES)) {
      upsertSearchAttributes([
        { key: CustomerIdKey, value: this.customerId },
        { key: JourneyKey, value: this.name },
      ]);
    }
  }

  /** Register what an event does to the journey's state. Handlers run once per event id. */
  on<T extends JourneyEventType>(type: T, handler: Handler<T>): this {
    const list = this.handlers.get(type) ?? [];
    list.push(handler as unknown as Handler<JourneyEventType>);
    this.handlers.set(type, list);
    const waiting = this.early?.filter((e) => e.type === type) ?? [];
    for (const event of waiting) {
      this.early!.splice(this.early!.indexOf(event), 1);
      handler(event as JourneyEventOf<T>);
    }
    return this;
  }

  /** Signals are at-least-once (the relay may redeliver): apply each event id once. */
  private receive(event: JourneyEvent): void {
    if (this.seenSet.has(event.id)) return;
    this.seenSet.add(event.id);
    this.seen.push(event.id);
    if (this.seen.length > SEEN_EVENT_IDS_KEPT) this.seenSet.delete(this.seen.shift() as string);
    this.sinceLastStep.push(event);
    const handlers = this.handlers.get(event.type) ?? [];
    if (handlers.length === 0) this.early?.push(event);
    for (const handler of handlers) handler(event);
  }

  /** Record where the journey stands: the JourneyStep search attribute and the UI's details. */
  at(step: string, details: string): void {
    this.step = step;
    this.details = details;
    // A loop that waits again at the same step (another cart update, another order) keeps
    // the attribute it has: every upsert is a billed action.
    if (step !== this.stepAttribute || !patched(SKIP_NO_OP_SEARCH_ATTRIBUTES)) {
      upsertSearchAttributes([{ key: JourneyStepKey, value: step }]);
      this.stepAttribute = step;
    }
    this.showDetails();
  }

  /**
   * The Temporal UI's "current details": whose journey, and while it waits, until when and for
   * what ("waiting until 2026-12-01T15:04:00.000Z for: first reminder 4 hours after …").
   */
  private showDetails(): void {
    const waiting = this.wakeUpAt === null ? '' : `waiting until ${new Date(this.wakeUpAt).toISOString()} for: `;
    setCurrentDetails(`**${this.name}** for customer \`${this.customerId}\`\n\n${waiting}${this.details}`);
  }

  /**
   * Wait until `done()` holds or `timeout` passes; true when it held.
   * Reads as the brief: `await journey.waitUntil(() => ordered, '3 days', 'waiting for an order')`.
   * A `Deadline` instead of a duration shares one timer between many waits.
   */
  async waitUntil(done: () => boolean, timeout: Duration | Deadline, step?: string, details?: string): Promise<boolean> {
    this.early = undefined;
    this.sinceLastStep = [];
    // A wait that is over before it starts (the order came with the start) is no step to show.
    if (step && !(done() && patched(SKIP_NO_OP_SEARCH_ATTRIBUTES))) this.at(step, details ?? step);
    if (isDeadline(timeout)) {
      this.wakeUpAt = timeout.at;
      if (step) this.showDetails();
      try {
        await condition(() => done() || timeout.passed());
        return done();
      } finally {
        this.wakeUpAt = null;
      }
    }
    this.wakeUpAt = Date.now() + toMs(timeout);
    if (step) this.showDetails();
    try {
      return await condition(done, timeout);
    } finally {
      this.wakeUpAt = null;
    }
  }

  /**
   * One timer for a limit that several waits share ("60 days at most, however many parcels
   * arrive"). Each wait with its own timeout would start, and bill, a timer of its own.
   */
  deadline(duration: Duration): Deadline {
    let passed = false;
    void sleep(duration).then(() => {
      passed = true;
    });
    return { at: Date.now() + toMs(duration), passed: () => passed };
  }

  /** Sleep, waking early only if `interrupt()` becomes true (returns true in that case). */
  async sleep(duration: Duration, step: string, details: string, interrupt?: () => boolean): Promise<boolean> {
    this.early = undefined;
    this.sinceLastStep = [];
    if (interrupt) return this.waitUntil(interrupt, duration, step, details);
    this.at(step, details);
    this.wakeUpAt = Date.now() + toMs(duration);
    this.showDetails();
    try {
      await sleep(duration);
      return false;
    } finally {
      this.wakeUpAt = null;
    }
  }

  /**
   * Send one message. `step` names it in the ledger and, with `iteration` for steps that
   * repeat (a yearly birthday, the n-th nurture piece), forms the idempotency key
   * `<workflowId>/<step>[/<iteration>]`. When the send path defers (quiet hours, frequency
   * cap with onCap 'defer'), the journey sleeps until the window and asks again with the same
   * key; `stillWanted` lets an exit event (an order) cancel a deferred send.
   */
  async send<T extends TemplateName>(
    step: string,
    template: T,
    data: TemplateData<T>,
    options: SendOptions,
  ): Promise<SendOutcome> {
    this.early = undefined;
    this.sinceLastStep = [];
    const key = [workflowInfo().workflowId, step, options.iteration].filter((p) => p !== undefined).join('/');
    const sendWindow = options.sendWindow ?? this.sendWindows[step];
    for (;;) {
      const outcome = await sendMessage({
        idempotencyKey: key,
        workflowId: workflowInfo().workflowId,
        journey: this.name,
        step,
        customerId: this.customerId,
        template,
        data: data as Record<string, unknown>,
        category: options.category,
        onCap: options.onCap ?? 'skip',
        coupon: options.coupon,
        promotes: options.promotes,
        ...(this.endsOnOrder ? { endsOnOrder: true } : {}),
        ...(sendWindow === 'immediate' ? { sendWindow } : {}),
      });
      if (outcome.status !== 'deferred') {
        if (outcome.status === 'sent') this.sentSteps.push(key.slice(workflowInfo().workflowId.length + 1));
        return outcome;
      }
      const wait = Math.max(1000, Date.parse(outcome.retryAt) - Date.now());
      const cancelled = await this.sleep(
        wait,
        `deferred:${step}`,
        `${step} deferred until ${outcome.retryAt} (${outcome.reason})`,
        options.stillWanted ? () => !options.stillWanted!() : undefined,
      );
      if (cancelled) return { status: 'skipped', reason: 'exit_event_while_deferred' };
    }
  }

  /**
   * Call where the journey is about to end: when an event it has not looked at since its last
   * step would have started a new run had it come a moment later (`startsAnew`), run
   * `continueAsNew` instead of ending — its state already holds what the handler did — so no
   * event is lost at a journey's end. Journeys that ended before this check existed replay
   * unchanged (`patched`).
   */
  async startOverForLateEvents(startsAnew: (event: JourneyEvent) => boolean, continueAsNew: () => Promise<never>): Promise<void> {
    if (this.sinceLastStep.some(startsAnew) && patched(LATE_EVENTS_START_OVER)) await continueAsNew();
  }

  /** What continue-as-new carries: the kit's part and the journey's own `state`. */
  carry<State>(state: State): Carried<State> {
    return { kit: { seenEventIds: [...this.seen] }, state };
  }

  /** True when history is long enough that the journey should continue as new (the input's historyLimit). */
  historyIsLong(): boolean {
    return historyIsLong(this.historyLimit);
  }

  private view(): JourneyStateView<Data> {
    return {
      journey: this.name,
      customerId: this.customerId,
      step: this.step,
      details: this.details,
      nextWakeUp: this.wakeUpAt === null ? null : new Date(this.wakeUpAt).toISOString(),
      sent: [...this.sentSteps],
      data: this.data,
    };
  }
}

/** A point in workflow time that several waits share: see `Journey.deadline`. */
export interface Deadline {
  /** workflow time, ms */
  readonly at: number;
  passed(): boolean;
}

function isDeadline(timeout: Duration | Deadline): timeout is Deadline {
  return typeof timeout === 'object' && timeout !== null && 'passed' in timeout;
}

/** True when the running workflow's history is long enough that it should continue as new. */
export function historyIsLong(maxEvents: number = DEFAULT_HISTORY_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > maxEvents;
}

export interface SendOptions extends Pick<SendMessageOptions, 'category' | 'promotes' | 'sendWindow'> {
  /** at the frequency cap: 'skip' (default) or 'defer' to the next free slot; transactional mail is never capped */
  onCap?: CapPolicy;
  iteration?: string | number;
  coupon?: CouponRequest;
  /** checked while a deferred send waits; returning false drops the send */
  stillWanted?: () => boolean;
}
