import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isLeapYear, nextBirthdaySendTime } from '../../activities/birthday';

const at = (iso: string) => Date.parse(iso);
const next = (birthday: string, timezone: string, after: string, extra: { hour?: number; celebratedThrough?: number } = {}) => {
  const r = nextBirthdaySendTime({ birthday, timezone, hour: extra.hour ?? 10, after: at(after), celebratedThrough: extra.celebratedThrough });
  return { year: r.year, sendAt: new Date(r.sendAt).toISOString() };
};

describe('birthday send time (10:00 on the birthday in the customer zone)', () => {
  test('follows daylight saving time: 10:00 Berlin is 09:00Z in winter and 08:00Z in summer', () => {
    assert.deepEqual(next('1990-01-15', 'Europe/Berlin', '2026-01-01T00:00:00Z'), { year: 2026, sendAt: '2026-01-15T09:00:00.000Z' });
    assert.deepEqual(next('1990-07-15', 'Europe/Berlin', '2026-01-01T00:00:00Z'), { year: 2026, sendAt: '2026-07-15T08:00:00.000Z' });
  });

  test('on the very day clocks change, the new offset applies (New York, 8 March 2026)', () => {
    assert.equal(next('1985-03-07', 'America/New_York', '2026-01-01T00:00:00Z').sendAt, '2026-03-07T15:00:00.000Z', 'EST -5');
    assert.equal(next('1985-03-08', 'America/New_York', '2026-01-01T00:00:00Z').sendAt, '2026-03-08T14:00:00.000Z', 'EDT -4');
    // Berlin falls back on 25 October 2026.
    assert.equal(next('1985-10-25', 'Europe/Berlin', '2026-01-01T00:00:00Z').sendAt, '2026-10-25T09:00:00.000Z', 'CET +1');
  });

  test('southern hemisphere and half-hour zones', () => {
    assert.equal(next('2000-01-10', 'Pacific/Auckland', '2026-01-01T00:00:00Z').sendAt, '2026-01-09T21:00:00.000Z', 'NZDT +13');
    assert.equal(next('2000-07-10', 'Pacific/Auckland', '2026-01-01T00:00:00Z').sendAt, '2026-07-09T22:00:00.000Z', 'NZST +12');
    assert.equal(next('2000-06-01', 'Asia/Kathmandu', '2026-01-01T00:00:00Z').sendAt, '2026-06-01T04:15:00.000Z', '+5:45');
    assert.equal(next('2000-06-01', 'America/St_Johns', '2026-01-01T00:00:00Z').sendAt, '2026-06-01T12:30:00.000Z', 'NDT -2:30');
  });

  test('a zone a day ahead of UTC celebrates a 1 January birthday on 31 December UTC', () => {
    assert.deepEqual(next('1990-01-01', 'Pacific/Kiritimati', '2025-12-31T00:00:00Z'), { year: 2026, sendAt: '2025-12-31T20:00:00.000Z' });
  });

  test('a send hour skipped by spring-forward goes out when the clocks have jumped', () => {
    // 02:00 does not exist in New York on 8 March 2026: 03:00 EDT = 07:00Z.
    assert.equal(next('1990-03-08', 'America/New_York', '2026-01-01T00:00:00Z', { hour: 2 }).sendAt, '2026-03-08T07:00:00.000Z');
  });

  test('29 February is celebrated on 28 February in common years and on the 29th in leap years', () => {
    assert.equal(next('2000-02-29', 'UTC', '2026-01-01T00:00:00Z').sendAt, '2026-02-28T10:00:00.000Z');
    assert.equal(next('2000-02-29', 'UTC', '2027-03-01T00:00:00Z').sendAt, '2028-02-29T10:00:00.000Z');
    assert.equal(next('2000-02-29', 'UTC', '2099-03-01T00:00:00Z').sendAt, '2100-02-28T10:00:00.000Z', '2100 is not a leap year');
    assert.equal(isLeapYear(2000), true);
    assert.equal(isLeapYear(2100), false);
  });

  test('is strictly after "after": on the birthday at 10:00 or later, the next one is a year away', () => {
    assert.equal(next('1990-05-05', 'UTC', '2026-05-05T10:00:00Z').sendAt, '2027-05-05T10:00:00.000Z');
    assert.equal(next('1990-05-05', 'UTC', '2026-05-05T09:59:59Z').sendAt, '2026-05-05T10:00:00.000Z');
  });

  test('never a second greeting in a celebrated year, even when the birthday moves later in it', () => {
    assert.deepEqual(next('1990-11-05', 'UTC', '2026-03-02T00:00:00Z', { celebratedThrough: 2026 }), {
      year: 2027,
      sendAt: '2027-11-05T10:00:00.000Z',
    });
  });
});
