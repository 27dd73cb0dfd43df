import type { Pool } from 'pg';
import { isValidTimeZone, zonedTimeToInstant } from '../shared/zoned-time';

/**
 * When the birthday greeting goes out: `hour`:00 on the birthday in the customer's zone.
 * A 29 February birthday is celebrated on 28 February in common years (the last day of the
 * customer's birth month, and still before their "real" day rather than after it).
 */
export interface BirthdaySendTimeRequest {
  /** YYYY-MM-DD; the year is ignored */
  birthday: string;
  timezone: string;
  hour: number;
  /** the first send time strictly after this instant */
  after: number;
  /** years already celebrated: the answer is for a later year (never two greetings a year) */
  celebratedThrough?: number;
}

export interface BirthdaySendTime {
  /** the calendar year of the birthday being celebrated; the send's iteration key */
  year: number;
  sendAt: number;
}

export function nextBirthdaySendTime(req: BirthdaySendTimeRequest): BirthdaySendTime {
  const [, month, day] = req.birthday.split('-').map(Number);
  const startYear = Math.max(new Date(req.after).getUTCFullYear() - 1, (req.celebratedThrough ?? -Infinity) + 1);
  // Three candidate years always contain the next one: zones are at most a day from UTC.
  for (let year = startYear; year < startYear + 3; year++) {
    const celebrated = month === 2 && day === 29 && !isLeapYear(year) ? 28 : day;
    const sendAt = zonedTimeToInstant({ year, month, day: celebrated, hour: req.hour }, req.timezone);
    if (sendAt > req.after) return { year, sendAt };
  }
  throw new Error(`no birthday send time after ${new Date(req.after).toISOString()} for ${req.birthday}`);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export interface BirthdayPlanRequest {
  customerId: string;
  /** workflow time, ISO-8601 */
  after: string;
  celebratedThrough?: number;
  sendAtLocalHour: number;
  defaultTimezone: string;
}

export type BirthdayPlan =
  | { status: 'planned'; year: number; sendAt: string; birthday: string; timezone: string }
  | { status: 'ended'; reason: 'erased' | 'no_birthday' };

/**
 * The next greeting for the customer as stored *now*: a birthday or zone changed by an event
 * or by PUT /v1/customers counts from the next plan on. An unsubscribed customer still gets a
 * plan — the send path skips the greeting, and a customer who re-subscribes gets next year's.
 */
export async function planBirthday(db: Pool, req: BirthdayPlanRequest): Promise<BirthdayPlan> {
  const { rows } = await db.query<{ birthday: string | null; timezone: string | null; erased_at: Date | null }>(
    `SELECT to_char(birthday, 'YYYY-MM-DD') AS birthday, timezone, erased_at FROM customers WHERE id = $1`,
    [req.customerId],
  );
  const customer = rows[0];
  if (!customer || customer.erased_at) return { status: 'ended', reason: 'erased' };
  if (!customer.birthday) return { status: 'ended', reason: 'no_birthday' };
  const timezone = [customer.timezone, req.defaultTimezone].find((z): z is string => !!z && isValidTimeZone(z)) ?? 'UTC';
  const next = nextBirthdaySendTime({
    birthday: customer.birthday,
    timezone,
    hour: req.sendAtLocalHour,
    after: Date.parse(req.after),
    celebratedThrough: req.celebratedThrough,
  });
  return { status: 'planned', year: next.year, sendAt: new Date(next.sendAt).toISOString(), birthday: customer.birthday, timezone };
}

export function createBirthdayActivities(deps: { db: Pool }) {
  return {
    planBirthday: (req: BirthdayPlanRequest) => planBirthday(deps.db, req),
  };
}
