/**
 * Welcome series — starts on customer.created, ends on the first order.
 *   at once:           welcome email with a unique coupon (10% for 7 days)
 *   3 days, no order:  a reminder that the code expires
 */
import { patched } from '@temporalio/workflow';
import { Journey } from './kit';
import type { WelcomeView } from './messages';
import { toMs } from '../shared/durations';
import type { JourneysConfig } from '../config/journeys';

export interface WelcomeInput {
  customerId: string;
  config: JourneysConfig['welcome'];
}

export async function welcome({ customerId, config }: WelcomeInput): Promise<void> {
  const journey = new Journey<WelcomeView>({ journey: 'welcome', customerId, endsOnOrder: true, sendWindows: config.sendWindows });
  let ordered = false;
  journey.data = { welcomed: false, ordered };
  journey.on('order.placed', () => {
    ordered = true;
    journey.data.ordered = true;
  });

  const coupon = { key: `welcome/${customerId}`, percentOff: config.couponPercentOff, validFor: config.couponValidity };

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
  journey.data.welcomed = true;

  const orderedInTime = await journey.waitUntil(
    () => ordered,
    config.reminderAfter,
    'waiting-for-first-order',
    `waiting up to ${config.reminderAfter} for a first order before the reminder`,
  );
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
