import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { quietWindowEnd, resolveTimezone } from '../../activities/local-time';
import { localParts, zonedTimeToInstant } from '../../shared/zoned-time';

const NIGHT = { start: 21, end: 8 };
const iso = (d: Date | undefined) => d?.toISOString();

describe('quiet hours in the customer time zone', () => {
  test('a send at 22:30 in Berlin waits until 08:00 Berlin the next morning', () => {
    // 21:30Z in January = 22:30 CET (+1)
    assert.equal(iso(quietWindowEnd(new Date('2026-01-14T21:30:00Z'), 'Europe/Berlin', NIGHT)), '2026-01-15T07:00:00.000Z');
  });

  test('a send at 03:00 local waits until 08:00 the same local day', () => {
    // 08:00Z = 03:00 EST (-5)
    assert.equal(iso(quietWindowEnd(new Date('2026-01-15T08:00:00Z'), 'America/New_York', NIGHT)), '2026-01-15T13:00:00.000Z');
  });

  test('the window is start-inclusive and end-exclusive', () => {
    assert.equal(quietWindowEnd(new Date('2026-01-15T08:00:00Z'), 'UTC', NIGHT), undefined, '08:00 is open');
    assert.equal(iso(quietWindowEnd(new Date('2026-01-15T07:59:59Z'), 'UTC', NIGHT)), '2026-01-15T08:00:00.000Z');
    assert.equal(iso(quietWindowEnd(new Date('2026-01-15T21:00:00Z'), 'UTC', NIGHT)), '2026-01-16T08:00:00.000Z');
    assert.equal(quietWindowEnd(new Date('2026-01-15T20:59:59Z'), 'UTC', NIGHT), undefined, '20:59 is open');
  });

  test('daytime sends are not deferred, and equal start and end switches quiet hours off', () => {
    assert.equal(quietWindowEnd(new Date('2026-01-15T12:00:00Z'), 'Europe/Berlin', NIGHT), undefined);
    assert.equal(quietWindowEnd(new Date('2026-01-15T02:00:00Z'), 'UTC', { start: 0, end: 0 }), undefined);
  });

  test('a window that does not wrap midnight (00–06) works too', () => {
    const q = { start: 0, end: 6 };
    assert.equal(iso(quietWindowEnd(new Date('2026-01-15T03:00:00Z'), 'UTC', q)), '2026-01-15T06:00:00.000Z');
    assert.equal(quietWindowEnd(new Date('2026-01-15T23:00:00Z'), 'UTC', q), undefined);
  });

  test('the 08:00 after a spring-forward night uses the new (summer) offset', () => {
    // Berlin 2026-03-29: 02:00 CET → 03:00 CEST. 22:30 CET on the 28th = 21:30Z.
    assert.equal(iso(quietWindowEnd(new Date('2026-03-28T21:30:00Z'), 'Europe/Berlin', NIGHT)), '2026-03-29T06:00:00.000Z');
    // New York 2026-03-08: 02:00 EST → 03:00 EDT; 23:00 EST on the 7th = 04:00Z on the 8th.
    assert.equal(iso(quietWindowEnd(new Date('2026-03-08T04:00:00Z'), 'America/New_York', NIGHT)), '2026-03-08T12:00:00.000Z');
    // Sent from inside the night, after the jump (04:00 CEST = 02:00Z).
    assert.equal(iso(quietWindowEnd(new Date('2026-03-29T02:00:00Z'), 'Europe/Berlin', NIGHT)), '2026-03-29T06:00:00.000Z');
  });

  test('the 08:00 after a fall-back night uses the winter offset (the night is an hour longer)', () => {
    // Berlin 2026-10-25: 03:00 CEST → 02:00 CET. 23:00 CEST on the 24th = 21:00Z.
    const end = quietWindowEnd(new Date('2026-10-24T21:00:00Z'), 'Europe/Berlin', NIGHT);
    assert.equal(iso(end), '2026-10-25T07:00:00.000Z');
    assert.equal((end!.getTime() - Date.parse('2026-10-24T21:00:00Z')) / 3_600_000, 10, '9 local hours + the repeated hour');
  });

  test('a window end that does not exist locally ends when the clock jumps past it', () => {
    // Quiet until 02:00 — which Berlin skips on 2026-03-29: the window ends at 03:00 CEST (01:00Z).
    const q = { start: 22, end: 2 };
    assert.equal(iso(quietWindowEnd(new Date('2026-03-28T23:30:00Z'), 'Europe/Berlin', q)), '2026-03-29T01:00:00.000Z');
    // Lord Howe moves its clocks by 30 minutes: 02:00 → 02:30. Whatever the date, on that night
    // the window ends exactly at the jump: a second earlier the clock read 01:59:59.
    const lordHowe = 'Australia/Lord_Howe';
    for (let day = 1; day <= 8; day++) {
      const oneAm = new Date(zonedTimeToInstant({ year: 2026, month: 10, day, hour: 1 }, lordHowe));
      const end = quietWindowEnd(oneAm, lordHowe, q)!;
      const shown = localParts(end.getTime(), lordHowe);
      if (shown.hour === 2 && shown.minute === 0) continue;
      assert.deepEqual([shown.day, shown.hour, shown.minute], [day, 2, 30], `2026-10-0${day}: the gap resolves to the jump`);
      const before = localParts(end.getTime() - 1000, lordHowe);
      assert.deepEqual([before.hour, before.minute, before.second], [1, 59, 59]);
      return;
    }
    assert.fail('no spring-forward night found for Lord Howe in early October 2026');
  });

  test('a window end that happens twice locally ends at its first occurrence', () => {
    // Quiet until 02:00 — which Berlin has twice on 2026-10-25 (CEST, then CET). 01:30 CEST = 23:30Z.
    const q = { start: 22, end: 2 };
    assert.equal(iso(quietWindowEnd(new Date('2026-10-24T23:30:00Z'), 'Europe/Berlin', q)), '2026-10-25T00:00:00.000Z');
    assert.equal(quietWindowEnd(new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin', q), undefined, '02:30 CEST is open');
    assert.equal(quietWindowEnd(new Date('2026-10-25T01:30:00Z'), 'Europe/Berlin', q), undefined, '02:30 CET is open');
  });

  test('zones far from UTC roll the date correctly', () => {
    // Kiritimati is UTC+14: 09:00Z = 23:00 local → 08:00 local next day = 18:00Z the same UTC day.
    assert.equal(iso(quietWindowEnd(new Date('2026-01-15T09:00:00Z'), 'Pacific/Kiritimati', NIGHT)), '2026-01-15T18:00:00.000Z');
    // Month and year roll over.
    assert.equal(iso(quietWindowEnd(new Date('2026-12-31T22:00:00Z'), 'UTC', NIGHT)), '2027-01-01T08:00:00.000Z');
  });

  test('an unknown or missing time zone falls back to the configured default, then UTC', () => {
    assert.equal(resolveTimezone('Mars/Olympus_Mons', 'Europe/Berlin'), 'Europe/Berlin');
    assert.equal(resolveTimezone(null, 'America/New_York'), 'America/New_York');
    assert.equal(resolveTimezone(undefined, 'Not/AZone'), 'UTC');
    assert.equal(resolveTimezone('Asia/Tokyo', 'Europe/Berlin'), 'Asia/Tokyo');
  });
});
