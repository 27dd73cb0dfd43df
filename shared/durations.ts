/**
 * Durations as journeys configure them ('4 hours', '7 days', or milliseconds). One grammar for
 * the config validator, the workflows' timer arithmetic and the activities' expiry dates, so a
 * setting the config accepts is one every reader understands. Pure: safe in the workflow sandbox.
 */
import type { Duration } from '@temporalio/common';

const UNIT_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1e3, second: 1e3, seconds: 1e3,
  m: 6e4, minute: 6e4, minutes: 6e4,
  h: 36e5, hour: 36e5, hours: 36e5,
  d: 864e5, day: 864e5, days: 864e5,
  w: 6048e5, week: 6048e5, weeks: 6048e5,
  y: 315576e5, year: 315576e5, years: 315576e5,
};

const UNITS = Object.keys(UNIT_MS).join('|');
const DURATION = new RegExp(`^\\s*(\\d+(?:\\.\\d+)?)\\s*(${UNITS})?\\s*$`, 'i');
/** What a setting must look like: a number with its unit (a bare '3' would silently mean 3 ms). */
export const DURATION_WITH_UNIT = new RegExp(`^\\d+(?:\\.\\d+)?\\s*(?:${UNITS})$`, 'i');

/** Duration → milliseconds; a bare number string is milliseconds. */
export function toMs(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const match = DURATION.exec(String(duration));
  const unit = match ? UNIT_MS[(match[2] ?? 'ms').toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`unreadable duration: ${String(duration)}`);
  return Number(match[1]) * unit;
}
