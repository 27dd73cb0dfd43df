/**
 * Sunset for every marketing recipient — one journey per customer and lapse
 * (`sunset/<customerId>`), started by the sunset sweep (./sunset-sweep.ts) when the customer
 * received marketing mail but showed no sign of life for `after` (120 days):
 *   at the start:                 still lapsed? (the lapse event may have waited; the customer may
 *                                 have engaged since, stopped being mailable, or entered win-back)
 *   at once:                      "Do you still want to hear from us?" with a one-click "yes, keep me"
 *   `graceAfter` (14 days) without an open, click, order or re-subscribe: unengaged, no more marketing
 * An order, or a (human) open or click of this email — the "keep me" button is a click — ends it
 * at once: the customer stays. Engagement with other emails is read at the end, with the one
 * definition of "engaged" win-back's sunset uses (activities/engagement.ts).
 *
 * The journey is short (one email, one wait) and the first order or click ends it, so it never
 * continues as new. An order, a human click or a re-subscribe later lifts the unengaged mark.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { Journey } from './kit';
import type { SunsetView } from './messages';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

export interface SunsetInput {
  customerId: string;
  /** the lapse's start as the sweep found it: the last sign of life (or first marketing email, or consent) */
  lapsedSince: string;
  config: JourneysConfig['sunset'];
}

// A short read before the send: a local activity (no server round trip, billed with the send's task).
const { stillLapsed } = proxyLocalActivities<Pick<Activities, 'stillLapsed'>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { sunsetIfUnengaged } = proxyActivities<Pick<Activities, 'sunsetIfUnengaged'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const NOT_LAPSED: Record<'engaged' | 'not_a_recipient' | 'in_win_back', string> = {
  engaged: 'engaged since the lapse was found',
  not_a_recipient: 'no longer receives marketing (consent, unsubscribe, suppression or unengaged)',
  in_win_back: "inside win-back's own sunset",
};

export async function sunset(input: SunsetInput): Promise<void> {
  const { customerId, lapsedSince, config } = input;
  const journey = new Journey<SunsetView>({ journey: 'sunset', customerId, endsOnOrder: true, sendWindows: config.sendWindows });
  const view: SunsetView = { lapsedSince, askedAt: null, engagedAt: null, outcome: 'asking' };
  journey.data = view;
  /** the latest order, or open or click of this journey's email, it heard of (ms) */
  let engagedAt: number | null = null;
  const engaged = (event: { occurredAt: string }) => {
    const at = Math.min(Date.parse(event.occurredAt), Date.now());
    engagedAt = Math.max(engagedAt ?? at, at);
    view.engagedAt = new Date(engagedAt).toISOString();
  };
  journey.on('order.placed', engaged).on('email.opened', engaged).on('email.clicked', engaged);
  const end = (outcome: SunsetView['outcome'], step: string, details: string) => {
    view.outcome = outcome;
    journey.at(step, details);
  };

  const check = await stillLapsed({ customerId, lapsedSince });
  if (!check.lapsed) return end('not-asked', 'not-asked', `not asked: ${NOT_LAPSED[check.reason]}`);
  const checkedAt = new Date(Date.now()).toISOString();

  const asked = await journey.send(
    'sunset-check',
    'sunset-check',
    { graceAfter: config.graceAfter },
    // One question per lapse, across runs: the lapse names the message.
    { category: 'marketing', onCap: 'defer', iteration: lapsedSince, stillWanted: () => engagedAt === null },
  );
  if (engagedAt !== null) return end('stays', 'stays', `engaged on ${day(engagedAt)} before the question went out: stays subscribed`);
  if (asked.status !== 'sent') {
    // The lapse event's id and the message's key both name this lapse: no later pass asks about it
    // again. Only a new lapse — after a sign of life, then `after` of silence — asks.
    return end('not-asked', 'not-asked', `question not sent (${'reason' in asked ? asked.reason : 'not sent'}); not asked again for this lapse, only after a new one`);
  }
  view.askedAt = new Date(Date.now()).toISOString();

  const details = `asked on ${day(Date.now())}: unengaged after ${config.graceAfter} without an open, click or order`;
  if (await journey.waitUntil(() => engagedAt !== null, config.graceAfter, 'waiting-for-engagement', details)) {
    return end('stays', 'stays', `engaged on ${day(engagedAt!)}: stays subscribed`);
  }
  const verdict = await sunsetIfUnengaged({ customerId, since: checkedAt });
  if (verdict.engagedAt) return end('stays', 'stays', `${verdict.how} on ${verdict.engagedAt.slice(0, 10)}: stays subscribed`);
  end('unengaged', 'unengaged', `no open, click or order since ${lapsedSince.slice(0, 10)}: unengaged until an order, a click or a re-subscribe`);
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
