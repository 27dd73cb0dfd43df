/**
 * The abandoned-cart series as a list of reminders, and how the older settings map onto it.
 * Pure: the config loader uses it for shop files that still set the older keys, and the
 * workflow for journeys started before `reminders` existed (their input carries only those).
 */
import type { Duration } from '@temporalio/common';

export interface CartReminderPlan {
  /** first: quiet time after the latest cart change; later: time after the previous reminder */
  after: Duration;
  offer?: { percentOff: number; validity: Duration };
}

/** The settings the series had before `reminders`: a plain reminder, then one with a code. */
export interface OlderCartSettings {
  firstReminderAfter?: Duration;
  secondReminderAfter?: Duration;
  discountPercentOff?: number;
  discountValidity?: Duration;
}

/** Each key left out keeps its old default: 4 hours, then 20 hours later 10 % off for 48 hours. */
export function cartRemindersFromOlderKeys(older: OlderCartSettings): CartReminderPlan[] {
  return [
    { after: older.firstReminderAfter ?? '4 hours' },
    {
      after: older.secondReminderAfter ?? '20 hours',
      offer: { percentOff: older.discountPercentOff ?? 10, validity: older.discountValidity ?? '48 hours' },
    },
  ];
}

/** The step (ledger, send window, stats) of the n-th reminder, 0-based. */
export const cartReminderSteps = ['first-reminder', 'second-reminder', 'third-reminder'] as const;
export type CartReminderStep = (typeof cartReminderSteps)[number];
