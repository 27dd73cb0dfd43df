/**
 * Local time in the customer's zone for the send-time guardrails (quiet hours).
 *
 * NOTE (birthday/nurture/replenishment engineer): this file was accidentally overwritten by a
 * file create at 23:40 and is reconstructed here from its two call sites in guardrails.ts;
 * the owner should check it against their original. Zone arithmetic lives in ./zoned-time.
 */
import { isValidTimeZone, localParts, zonedTimeToInstant } from './zoned-time';

/** The customer's zone when it is a known IANA zone, else the configured default (else UTC). */
export function resolveTimezone(timezone: string | null | undefined, fallback: string): string {
  if (timezone && isValidTimeZone(timezone)) return timezone;
  return isValidTimeZone(fallback) ? fallback : 'UTC';
}

/**
 * When `now` falls in the quiet window (local hours [start, end), wrapping midnight when
 * start > end), the instant the window ends; undefined outside it.
 */
export function quietWindowEnd(now: Date, timeZone: string, window: { start: number; end: number }): Date | undefined {
  const { start, end } = window;
  if (start === end) return undefined;
  const local = localParts(now.getTime(), timeZone);
  const quiet = start < end ? local.hour >= start && local.hour < end : local.hour >= start || local.hour < end;
  if (!quiet) return undefined;
  // The window ends today when we are before `end`, otherwise tomorrow (the evening part).
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (local.hour >= end ? 1 : 0)));
  return new Date(
    zonedTimeToInstant({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: end }, timeZone),
  );
}
