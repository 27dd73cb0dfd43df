import { Temporal } from 'temporal-polyfill';

/**
 * Wall-clock time in a customer's time zone ↔ an instant, with the zone's rules from Intl
 * (the ICU data Node ships). Runs in activities only: the tz database changes between Node
 * versions, and a workflow must compute the same answer on every replay.
 */

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at `instant`. */
export function localParts(instant: number, timeZone: string): Required<LocalDateTime> & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/**
 * The instant when clocks in `timeZone` show `local`, by the TC39 Temporal API (polyfill) with
 * its explicit DST rule 'compatible': a time that does not exist (skipped by a spring-forward)
 * resolves to the same distance after the gap, as clocks read it (02:30 → 03:30); a time that
 * exists twice (fall-back) resolves to the first of the two.
 */
export function zonedTimeToInstant(local: LocalDateTime, timeZone: string): number {
  const { year, month, day, hour, minute = 0 } = local;
  return Temporal.ZonedDateTime.from({ timeZone, year, month, day, hour, minute }, { disambiguation: 'compatible', overflow: 'constrain' })
    .epochMilliseconds;
}

/** YYYY-MM-DD as the calendar in `timeZone` shows `instant`. */
export function calendarDate(instant: number, timeZone: string): string {
  const { year, month, day } = localParts(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The calendar date `days` after `date` (YYYY-MM-DD). */
export function addCalendarDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}
