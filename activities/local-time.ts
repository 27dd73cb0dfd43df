/**
 * Local time in the customer's zone for the send-time guardrails (quiet hours). Zone
 * arithmetic (Intl-based, DST-aware) is shared with the birthday journey in ./zoned-time:
 * a window end the spring-forward skips resolves to the moment the clock jumps past it, one
 * that the fall-back repeats resolves to its first occurrence.
 */
import { isValidTimeZone, localParts, zonedTimeToInstant, type LocalDateTime } from '../shared/zoned-time';

/** What the clocks in `timeZone` show at `instant`. */
export function wallTimeAt(instant: Date, timeZone: string) {
  return localParts(instant.getTime(), timeZone);
}

/** When the clocks in `timeZone` show `wall` (a skipped time: just after the jump; a repeated one: the first). */
export function instantOfWallTime(wall: LocalDateTime, timeZone: string): Date {
  return new Date(zonedTimeToInstant(wall, timeZone));
}

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
