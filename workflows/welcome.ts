/**
 * Welcome series — starts on customer.created, ends on the first order.
 *   at once:            welcome email with a unique coupon (10% for 7 days)
 *   3 days, no order:   a reminder that the code expires
 *   14 days, no order:  a last nudge with the shop's bestsellers or a piece from the content
 *                       catalog (`lastNudge`; false: none)
 * Events that flood the waits (a shop re-posting its customers) only grow history: the journey
 * continues as new with the due times.
 */
import { continueAsNew, patched, proxyLocalActivities } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew } from './kit';
import type { WelcomeView } from './messages';
import { toMs } from '../shared/durations';
import type { JourneysConfig } from '../config/journeys';
import type { Activities } from '../activities';

export interface WelcomeInput extends ContinuesAsNew<WelcomeState> {
  customerId: string;
  config: JourneysConfig['welcome'] | StartedBeforeLastNudge;
}

/** The config section journeys started before the last nudge existed were given: no nudge. */
type StartedBeforeLastNudge = Omit<JourneysConfig['welcome'], 'lastNudge' | 'sendWindows'> & {
  lastNudge?: undefined;
  sendWindows: Partial<JourneysConfig['welcome']['sendWindows']>;
};

export interface WelcomeState {
  /** workflow time, ms: the welcome email went out and the reminder is due then */
  reminderDueAt: number;
  /** the reminder's step is behind (sent, skipped, or none for an expired code): the last nudge is next */
  reminded?: boolean;
  /** workflow time, ms: the last nudge is due (sign-up + lastNudge.after); absent: no nudge */
  nudgeDueAt?: number;
}

/** Patch id: after the reminder the series goes on to the last nudge. */
const LAST_NUDGE = 'welcome-last-nudge';

/** Bestsellers come from Postgres and the content pick from a file: workflow code reads neither. */
const { lastNudgeContent } = proxyLocalActivities<Pick<Activities, 'lastNudgeContent'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/** Patch id: the wait for a first order shares one deadline and continues as new on a long history. */
const CONTINUES_WHEN_LONG = 'welcome-continues-as-new';

export async function welcome(input: WelcomeInput): Promise<void> {
  const { customerId, config, carried, historyLimit } = input;
  const journey = new Journey<WelcomeView>({
    journey: 'welcome',
    customerId,
    carried,
    historyLimit,
    endsOnOrder: true,
    sendWindows: config.sendWindows,
  });
  let ordered = false;
  journey.data = { welcomed: false, ordered };
  journey.on('order.placed', () => {
    ordered = true;
    journey.data.ordered = true;
  });

  const coupon = { key: `welcome/${customerId}`, percentOff: config.couponPercentOff, validFor: config.couponValidity };
  // Journeys started before the nudge existed have none in their settings: their series stays as it was.
  const nudge = config.lastNudge || undefined;
  const nudgeDueAt = carried ? carried.state.nudgeDueAt : nudge ? Date.now() + toMs(nudge.after) : undefined;

  // A run that continued as new has sent the welcome email already.
  if (!carried) {
    journey.at('welcome-email', 'sending the welcome email');
    const first = await journey.send('welcome-email', 'welcome', {}, {
      category: 'marketing',
      onCap: 'defer',
      coupon,
      stillWanted: () => !ordered,
    });
    if (first.status !== 'sent') {
      journey.at('done', `welcome email not sent (${first.reason}); no reminder`);
      return;
    }
  }
  journey.data.welcomed = true;

  if (!carried?.state.reminded) {
    const waiting = `waiting up to ${config.reminderAfter} for a first order before the reminder`;
    /**
     * The wait's one timer is a deadline, so that a long history can end the wait early without
     * it: the next run waits for what is left. Journeys already waiting replay their own timer.
     */
    const waitForFirstOrder = async (): Promise<boolean> => {
      const due = journey.deadline(carried ? Math.max(1, carried.state.reminderDueAt - Date.now()) : config.reminderAfter);
      await journey.waitUntil(() => ordered || journey.historyIsLong(), due, 'waiting-for-first-order', waiting);
      if (!ordered && !due.passed()) {
        await continueAsNew<typeof welcome>({ ...input, carried: journey.carry({ reminderDueAt: due.at, ...(nudgeDueAt === undefined ? {} : { nudgeDueAt }) }) });
      }
      return ordered;
    };
    const orderedInTime =
      carried || patched(CONTINUES_WHEN_LONG)
        ? await waitForFirstOrder()
        : await journey.waitUntil(() => ordered, config.reminderAfter, 'waiting-for-first-order', waiting);
    if (orderedInTime) {
      journey.at('done', 'converted: the customer ordered');
      return;
    }

    // v2: a reminder about a code that has already expired only annoys (possible when
    // reminderAfter is configured past couponValidity). Journeys started under v1 keep v1's
    // behaviour on replay: see test/replay.
    if (patched('welcome-no-reminder-for-expired-code') && toMs(config.reminderAfter) >= toMs(config.couponValidity)) {
      if (!nudge) {
        journey.at('done', 'no reminder: the welcome code has expired by now');
        return;
      }
    } else {
      // Same coupon key: the reminder shows the code from the first email.
      await journey.send('welcome-reminder', 'welcome-reminder', {}, {
        category: 'marketing',
        onCap: 'skip',
        coupon,
        stillWanted: () => !ordered,
      });
    }
  }

  // Journeys that ended after the reminder before the nudge existed replay as they ended.
  if (nudge && nudgeDueAt !== undefined && patched(LAST_NUDGE)) {
    const due = journey.deadline(Math.max(1, nudgeDueAt - Date.now()));
    await journey.waitUntil(
      () => ordered || journey.historyIsLong(),
      due,
      'waiting-for-last-nudge',
      `last nudge ${nudge.after} after sign-up (${nudge.pick}), unless the customer orders`,
    );
    if (!ordered && !due.passed()) {
      await continueAsNew<typeof welcome>({ ...input, carried: journey.carry({ reminderDueAt: nudgeDueAt, reminded: true, nudgeDueAt }) });
    }
    if (ordered) {
      journey.at('done', 'converted: the customer ordered');
      return;
    }
    const content = await lastNudgeContent({ customerId, pick: nudge.pick });
    if (content.kind === 'ordered') {
      journey.at('done', 'no last nudge: the shop has an order of this customer');
      return;
    }
    if (content.kind === 'nothing') {
      journey.at('done', 'no last nudge: no bestseller in stock and nothing in the content catalog');
      return;
    }
    await journey.send('welcome-last-nudge', 'welcome-last-nudge', content.kind === 'bestsellers' ? { items: content.items } : { piece: content.piece }, {
      category: 'marketing',
      onCap: 'skip',
      // bestsellers are re-checked for stock when it goes out; sold out everywhere → skipped out_of_stock
      promotes: content.kind === 'bestsellers',
      stillWanted: () => !ordered,
    });
  }
  journey.at('done', 'welcome series complete');
}
