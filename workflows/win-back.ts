/**
 * Win-back with sunset — one journey per customer (`win-back/<customerId>`); every order.placed
 * starts it or reaches it, and restarts the clock.
 *   90 days after the last order:          a win-back email with a time-limited coupon
 *   14 days without an open, click or order: a second, last-chance email with a fresh code
 *   30 more days without any:              the customer is marked unengaged (no more marketing)
 * Any order stops it at once (nothing is sent after an order, even a deferred email) and the
 * clock restarts from that order. An open or click without an order restarts the clock from
 * that engagement: the customer is alive, so no sunset, but a fresh lapse can win them back.
 * A (human) open or click of a win-back email reaches the journey as an event and ends the
 * wait at once; opens of other journeys' emails are found when the wait is over.
 *
 * The journey lives as long as the customer buys: it continues as new before its history
 * grows long, carrying its state. It ends after the sunset (or when the first email could not
 * be sent, e.g. no consent); the next order starts a new run, and the order.placed projection
 * clears the unengaged mark — a purchase is engagement.
 */
import { condition, continueAsNew, patched, proxyActivities } from '@temporalio/workflow';
import { Journey, type Carried, type ContinuesAsNew, type HeldBack, type JourneyCarryOver } from './kit';
import type { WinBackView } from './messages';
import { toMs } from '../shared/durations';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

/** What the journey carries is what it shows: the clock, the orders seen and the win-backs sent. */
export type WinBackState = WinBackView;

export interface WinBackInput extends ContinuesAsNew<WinBackState> {
  customerId: string;
  config: JourneysConfig['winBack'];
  /**
   * The orders dispatch held back until the customer had not ordered for `firstAfter`
   * (ingest/held-starts.ts): the journey starts when its win-back is due. Runs started on the
   * first order have none. The clock reads the orders' own times, so nothing else changes.
   */
  heldBack?: HeldBack;
}

/** How runs continued before the one carried shape hold their state: beside the kit's part. */
type CarriedBefore = JourneyCarryOver & { state: WinBackState };

function carriedOf(input: WinBackInput): Carried<WinBackState> | undefined {
  const carried = input.carried as Carried<WinBackState> | CarriedBefore | undefined;
  if (!carried || 'kit' in carried) return carried;
  return { kit: { seenEventIds: carried.seenEventIds }, state: carried.state };
}

const { customerEngagement, sunsetIfUnengaged } = proxyActivities<
  Pick<Activities, 'customerEngagement' | 'sunsetIfUnengaged'>
>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Patch id: an open or click event ends the wait for engagement at once (restarting the clock). */
const REACTS_TO_ENGAGEMENT = 'win-back-reacts-to-engagement';

export async function winBack(input: WinBackInput): Promise<void> {
  const { customerId, config } = input;
  const carried = carriedOf(input);
  const journey = new Journey<WinBackView>({
    journey: 'win-back',
    customerId,
    carried,
    historyLimit: input.historyLimit,
    endsOnOrder: true,
    sendWindows: config.sendWindows,
    heldBack: carried ? undefined : input.heldBack,
  });
  const previous = carried?.state;
  const state: WinBackState = previous
    ? { ...previous, generation: previous.generation + 1 }
    : { lastOrderAt: null, clockFrom: null, ordersSeen: 0, winBacksSent: 0, generation: 1 };
  journey.data = state;
  journey.on('order.placed', (event) => {
    const at = Math.min(Date.parse(event.occurredAt), Date.now());
    state.ordersSeen += 1;
    state.lastOrderAt = Math.max(state.lastOrderAt ?? at, at);
    state.clockFrom = Math.max(state.clockFrom ?? at, at);
  });
  /** The journey ends here — unless an order came in too late for this cycle to see it. */
  const end = async (step: string, details: string) => {
    await journey.startOverForLateEvents(
      (event) => event.type === 'order.placed',
      () => continueAsNew<typeof winBack>({ ...input, heldBack: undefined, carried: journey.carry(state) }),
    );
    journey.at(step, details);
  };
  const restartClock = (at: number) => {
    state.clockFrom = Math.max(state.clockFrom ?? at, Math.min(at, Date.now()));
  };
  /** the latest human open or click of a win-back email this journey heard of (ms) */
  let engagedAt: number | null = null;
  const engaged = (event: { occurredAt: string }) => {
    const at = Math.min(Date.parse(event.occurredAt), Date.now());
    engagedAt = Math.max(engagedAt ?? at, at);
  };
  journey.on('email.opened', engaged).on('email.clicked', engaged);
  /** Journeys started before engagement events replay as they ran (they never received one). */
  const engagedSince = (since: string) => engagedAt !== null && engagedAt >= Date.parse(since);

  if (state.clockFrom === null) {
    journey.at('waiting-for-order', 'started without an order: waiting for one');
    await condition(() => state.clockFrom !== null);
  }

  for (;;) {
    if (journey.historyIsLong()) {
      await continueAsNew<typeof winBack>({ ...input, heldBack: undefined, carried: journey.carry(state) });
    }
    const clockFrom = state.clockFrom!;
    const ordersBefore = state.ordersSeen;
    const ordered = () => state.ordersSeen > ordersBefore;
    // One clock = one cycle: its start names the messages and codes, unique across runs and years.
    const cycle = new Date(clockFrom).toISOString();
    const attempt = (n: number) =>
      ({
        category: 'marketing',
        onCap: 'defer',
        iteration: cycle,
        stillWanted: () => !ordered(),
        coupon: { key: `winBack/${customerId}/${cycle}/${n}`, percentOff: config.couponPercentOff, validFor: config.couponValidity },
      }) as const;

    const lapseAt = clockFrom + toMs(config.firstAfter);
    const details = `no order since ${day(clockFrom)}: win-back on ${day(lapseAt)}`;
    if (await journey.sleep(untilTime(lapseAt), 'waiting-for-lapse', details, ordered)) continue;

    const first = await journey.send('win-back', 'win-back', {}, attempt(1));
    if (ordered()) continue;
    if (first.status !== 'sent') {
      await end('done', `win-back not sent (${'reason' in first ? first.reason : 'not sent'}); the next order starts over`);
      return;
    }
    state.winBacksSent += 1;
    const firstSentAt = new Date(Date.now()).toISOString();

    const lastChanceDetails = `win-back sent; a last chance after ${config.secondAfter} without an open, click or order`;
    const engagedOrOrdered = () => ordered() || engagedSince(firstSentAt);
    if (await journey.waitUntil(engagedOrOrdered, config.secondAfter, 'waiting-for-engagement', lastChanceDetails)) {
      if (!ordered() && patched(REACTS_TO_ENGAGEMENT)) restartClock(engagedAt!);
      continue;
    }
    const engagement = await customerEngagement({ customerId, since: firstSentAt });
    if (engagement.engagedAt) {
      restartClock(Date.parse(engagement.engagedAt));
      continue;
    }

    const second = await journey.send('win-back-last-chance', 'win-back-last-chance', {}, attempt(2));
    if (ordered()) continue;
    if (second.status !== 'sent') {
      await end('done', `last chance not sent (${'reason' in second ? second.reason : 'not sent'}); the next order starts over`);
      return;
    }
    state.winBacksSent += 1;

    const sunsetDetails = `last chance sent; sunset after ${config.sunsetAfter} without an open, click or order`;
    if (await journey.waitUntil(engagedOrOrdered, config.sunsetAfter, 'waiting-before-sunset', sunsetDetails)) {
      if (!ordered() && patched(REACTS_TO_ENGAGEMENT)) restartClock(engagedAt!);
      continue;
    }
    const verdict = await sunsetIfUnengaged({ customerId, since: firstSentAt });
    if (verdict.engagedAt) {
      restartClock(Date.parse(verdict.engagedAt));
      continue;
    }
    await end('sunset', `no open, click or order since ${day(Date.parse(firstSentAt))}: unengaged until the next order`);
    return;
  }
}

function untilTime(at: number): number {
  return Math.max(1, at - Date.now());
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
