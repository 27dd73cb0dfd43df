/**
 * Welcome series — starts on customer.created, ends on the first order.
 *   at once:           welcome email with a unique coupon (10% for 7 days)
 *   3 days, no order:  a reminder that the code expires
 * Events that flood the wait (a shop re-posting its customers) only grow history: the journey
 * continues as new with the reminder's due time.
 */
import { continueAsNew, patched } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew } from './kit';
import type { WelcomeView } from './messages';
import { toMs } from '../shared/durations';
import type { JourneysConfig } from '../config/journeys';

export interface WelcomeInput extends ContinuesAsNew<WelcomeState> {
  customerId: string;
  config: JourneysConfig['welcome'];
}

export interface WelcomeState {
  /** workflow time, ms: the welcome email went out and the reminder is due then */
  reminderDueAt: number;
}

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

  const waiting = `waiting up to ${config.reminderAfter} for a first order before the reminder`;
  /**
   * The wait's one timer is a deadline, so that a long history can end the wait early without
   * it: the next run waits for what is left. Journeys already waiting replay their own timer.
   */
  const waitForFirstOrder = async (): Promise<boolean> => {
    const due = journey.deadline(carried ? Math.max(1, carried.state.reminderDueAt - Date.now()) : config.reminderAfter);
    await journey.waitUntil(() => ordered || journey.historyIsLong(), due, 'waiting-for-first-order', waiting);
    if (!ordered && !due.passed()) await continueAsNew<typeof welcome>({ ...input, carried: journey.carry({ reminderDueAt: due.at }) });
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
    journey.at('done', 'no reminder: the welcome code has expired by now');
    return;
  }

  // Same coupon key: the reminder shows the code from the first email.
  await journey.send('welcome-reminder', 'welcome-reminder', {}, {
    category: 'marketing',
    onCap: 'skip',
    coupon,
    stillWanted: () => !ordered,
  });
  journey.at('done', 'welcome series complete');
}
