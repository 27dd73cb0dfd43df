/**
 * Durations as journeys configure them ('4 hours', '7 days', or milliseconds), read with `ms`:
 * the grammar the Temporal SDK itself uses for `Duration` strings, so the config validator, the
 * workflows' timer arithmetic, the activities' expiry dates and the SDK's own timers all agree
 * on what a setting means. Pure: safe in the workflow sandbox.
 */
import ms, { type StringValue } from 'ms';
import type { Duration } from '@temporalio/common';

/** Duration → milliseconds; a bare number string is milliseconds (as for the SDK). */
export function toMs(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const text = String(duration);
  const value = text === '' ? NaN : ms(text as StringValue);
  if (!Number.isFinite(value)) throw new Error(`unreadable duration: ${String(duration)}`);
  return value;
}

/**
 * What a setting must look like: a number (0 or more) with its unit. The SDK also reads a bare
 * '3', as 3 ms, which in a config file is almost always a mistake.
 */
export function isDurationWithUnit(value: string): boolean {
  if (!/[a-z]$/i.test(value)) return false;
  const parsed = ms(value as StringValue);
  return Number.isFinite(parsed) && parsed >= 0;
}
