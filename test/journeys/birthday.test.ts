import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultJourneysConfig } from '../../config/journeys';
import { journeyEventSignal, birthdayStateQuery } from '../../workflows/messages';
import { birthday, type BirthdayInput } from '../../workflows/birthday';
import { nextBirthdaySendTime, type BirthdayPlan, type BirthdayPlanRequest } from '../../activities/birthday';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

interface Profile {
  birthday: string;
  timezone?: string;
  erased?: boolean;
}

const config: BirthdayInput['config'] = { ...defaultJourneysConfig.birthday, defaultTimezone: 'UTC' };

/** The planner over an in-memory profile store, with the real send-time math. */
function fakePlanner(profiles: Map<string, Profile>): Pick<Activities, 'planBirthday'> {
  return {
    planBirthday: async (req: BirthdayPlanRequest): Promise<BirthdayPlan> => {
      const p = profiles.get(req.customerId);
      if (!p || p.erased) return { status: 'ended', reason: 'erased' };
      const timezone = p.timezone ?? req.defaultTimezone;
      const next = nextBirthdaySendTime({
        birthday: p.birthday,
        timezone,
        hour: req.sendAtLocalHour,
        after: Date.parse(req.after),
        celebratedThrough: req.celebratedThrough,
      });
      return { status: 'planned', year: next.year, sendAt: new Date(next.sendAt).toISOString(), birthday: p.birthday, timezone };
    },
  };
}

const profileEvent = (customerId: string, n: number, properties: Record<string, unknown>): ShopEvent => ({
  id: `evt-profile-${customerId}-${n}`,
  type: n === 0 ? 'customer.created' : 'customer.updated',
  customerId,
  occurredAt: '2026-01-01T00:00:00.000Z',
  properties: { email: `${customerId}@example.com`, ...properties },
} as ShopEvent);

/** "MM-DD" of an instant, in UTC. */
const monthDay = (ms: number) => new Date(ms).toISOString().slice(5, 10);

/** "YYYY-MM-DD HH:mm" as clocks in `timeZone` show `ms` — independent of the code under test. */
const localTime = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(ms),
  );

const isLeap = (y: number) => new Date(Date.UTC(y, 1, 29)).getUTCMonth() === 1;

describe('birthday journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function start(customerId: string, taskQueue: string, profile: Record<string, unknown>) {
    return env.client.workflow.signalWithStart(birthday, {
      workflowId: `birthday/${customerId}`,
      taskQueue,
      args: [{ customerId, config }],
      signal: journeyEventSignal,
      signalArgs: [profileEvent(customerId, 0, profile)],
    });
  }

  test('greets at 10:00 Berlin time on the birthday three years running, once a year, with a yearly coupon', async () => {
    const profiles = new Map<string, Profile>();
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const bday = `1990-${monthDay(t0 + 40 * DAY)}`;
      profiles.set('c-3y', { birthday: bday, timezone: 'Europe/Berlin' });
      const handle = await start('c-3y', taskQueue, { birthday: bday, timezone: 'Europe/Berlin' });
      const firstRunId = (await handle.describe()).runId;
      await env.sleep(2 * 365 * DAY + 60 * DAY);

      assert.equal(fake.sent.length, 3, 'one greeting a year for three years');
      const years = fake.sent.map((s) => Number(localTime(s.at, 'Europe/Berlin').slice(0, 4)));
      for (const [i, s] of fake.sent.entries()) {
        assert.equal(localTime(s.at, 'Europe/Berlin'), `${years[i]}-${bday.slice(5)} 10:00`);
        assert.equal(s.input.template, 'birthday');
        assert.equal(s.input.category, 'marketing');
        assert.equal(s.input.idempotencyKey, `birthday/c-3y/birthday-greeting/${years[i]}`);
        assert.deepEqual(s.input.coupon, { key: `birthday/c-3y/${years[i]}`, percentOff: 15, validFor: '14 days' });
      }
      assert.deepEqual(years, [years[0], years[0] + 1, years[0] + 2]);

      const current = env.client.workflow.getHandle('birthday/c-3y');
      assert.notEqual((await current.describe()).runId, firstRunId, 'continued as new');
      const state = await current.query(birthdayStateQuery);
      assert.deepEqual(state.data.greetedYears, years, 'greeted years carried across runs');
      assert.equal(state.data.celebratedThrough, years[2]);
      assert.equal(state.step, 'waiting-for-birthday');
      await current.terminate('test done');
    });
  });

  test('celebrates a 29 February birthday on the 28th in common years and the 29th in leap years', async () => {
    const profiles = new Map<string, Profile>([['c-leap', { birthday: '2000-02-29', timezone: 'America/New_York' }]]);
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      await start('c-leap', taskQueue, { birthday: '2000-02-29', timezone: 'America/New_York' });
      // Four birthdays always include a leap year.
      await env.sleep(4 * 366 * DAY);
      const dates = fake.sent.map((s) => localTime(s.at, 'America/New_York'));
      assert.ok(dates.length >= 4, `at least four greetings: ${dates.join(', ')}`);
      for (const date of dates) {
        const year = Number(date.slice(0, 4));
        assert.equal(date, `${year}-02-${isLeap(year) ? 29 : 28} 10:00`);
      }
      assert.ok(dates.some((d) => d.includes('-02-29')) && dates.some((d) => d.includes('-02-28')));
      assert.equal(new Set(fake.sent.map((s) => s.input.idempotencyKey)).size, dates.length, 'one key per year');
      await env.client.workflow.getHandle('birthday/c-leap').terminate('test done');
    });
  });

  test('a birthday changed via customer.updated takes effect, and a move later into a celebrated year waits a year', async () => {
    const zone = 'America/New_York';
    const profiles = new Map<string, Profile>();
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const first = `1980-${monthDay(t0 + 60 * DAY)}`;
      const changed = `1980-${monthDay(t0 + 30 * DAY)}`;
      profiles.set('c-moves', { birthday: first, timezone: zone });
      const handle = await start('c-moves', taskQueue, { birthday: first, timezone: zone });

      await env.sleep(10 * DAY);
      profiles.set('c-moves', { birthday: changed, timezone: zone });
      await handle.signal(journeyEventSignal, profileEvent('c-moves', 1, { birthday: changed }));
      await env.sleep(25 * DAY);
      assert.equal(fake.sent.length, 1);
      const greeted = localTime(fake.sent[0].at, zone);
      assert.equal(greeted.slice(5), `${changed.slice(5)} 10:00`, 'greeted on the new date');
      const year = Number(greeted.slice(0, 4));

      const later = `1980-${monthDay(fake.sent[0].at + 20 * DAY)}`;
      profiles.set('c-moves', { birthday: later, timezone: zone });
      await env.client.workflow.getHandle('birthday/c-moves').signal(journeyEventSignal, profileEvent('c-moves', 2, { birthday: later }));
      await env.sleep(400 * DAY);
      assert.ok(fake.sent.length >= 2);
      assert.equal(localTime(fake.sent[1].at, zone), `${year + 1}-${later.slice(5)} 10:00`, 'next greeting in the following year');
      const inCelebratedYear = fake.sent.filter((s) => Number(localTime(s.at, zone).slice(0, 4)) === year);
      assert.equal(inCelebratedYear.length, 1, 'no second greeting in the celebrated year');
      await env.client.workflow.getHandle('birthday/c-moves').terminate('test done');
    });
  });

  test('a moved time zone (customer.updated) moves the send time to 10:00 in the new zone', async () => {
    const profiles = new Map<string, Profile>();
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const bday = `1975-${monthDay(t0 + 20 * DAY)}`;
      profiles.set('c-zone', { birthday: bday, timezone: 'Europe/Berlin' });
      const handle = await start('c-zone', taskQueue, { birthday: bday, timezone: 'Europe/Berlin' });
      await env.sleep(5 * DAY);
      profiles.set('c-zone', { birthday: bday, timezone: 'Asia/Tokyo' });
      await handle.signal(journeyEventSignal, profileEvent('c-zone', 1, { timezone: 'Asia/Tokyo' }));
      await env.sleep(20 * DAY);
      assert.equal(fake.sent.length, 1);
      assert.equal(localTime(fake.sent[0].at, 'Asia/Tokyo').slice(5), `${bday.slice(5)} 10:00`);
      await env.client.workflow.getHandle('birthday/c-zone').terminate('test done');
    });
  });

  test('a birthday edited without an event (PUT /v1/customers) is honoured when the old day comes', async () => {
    const profiles = new Map<string, Profile>();
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const old = `1970-${monthDay(t0 + 10 * DAY)}`;
      const edited = `1970-${monthDay(t0 + 15 * DAY)}`;
      profiles.set('c-put', { birthday: old });
      await start('c-put', taskQueue, { birthday: old });
      profiles.set('c-put', { birthday: edited }); // no signal: the API edited the row
      await env.sleep(20 * DAY);
      assert.equal(fake.sent.length, 1);
      assert.equal(localTime(fake.sent[0].at, 'UTC').slice(5), `${edited.slice(5)} 10:00`, 'UTC is the default zone');
      await env.client.workflow.getHandle('birthday/c-put').terminate('test done');
    });
  });

  test('keeps its yearly rhythm through an unsubscribed year (greeting skipped) and greets again the next', async () => {
    const profiles = new Map<string, Profile>();
    const fake = fakeSend(env, (_input, n) =>
      n === 1 ? { status: 'skipped', reason: 'unsubscribed' } : { status: 'sent', messageId: n, providerMessageId: `p${n}` },
    );
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const bday = `1999-${monthDay(t0 + 10 * DAY)}`;
      profiles.set('c-unsub', { birthday: bday });
      await start('c-unsub', taskQueue, { birthday: bday });
      await env.sleep(365 * DAY + 30 * DAY);
      assert.equal(fake.sent.length, 2, 'one attempt a year');
      const [skippedYear, greetedYear] = fake.sent.map((s) => Number(localTime(s.at, 'UTC').slice(0, 4)));
      assert.equal(greetedYear, skippedYear + 1);
      const state = await env.client.workflow.getHandle('birthday/c-unsub').query(birthdayStateQuery);
      assert.deepEqual(state.data.greetedYears, [greetedYear]);
      await env.client.workflow.getHandle('birthday/c-unsub').terminate('test done');
    });
  });

  test('ends when the customer is erased', async () => {
    const profiles = new Map<string, Profile>();
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakePlanner(profiles) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const bday = `1999-${monthDay(t0 + 100 * DAY)}`;
      profiles.set('c-erased', { birthday: bday });
      const handle = await start('c-erased', taskQueue, { birthday: bday });
      await env.sleep(5 * DAY);
      profiles.set('c-erased', { birthday: bday, erased: true });
      await handle.signal(journeyEventSignal, profileEvent('c-erased', 1, { locale: 'de-DE' }));
      await handle.result();
      assert.equal(fake.sent.length, 0);
      const state = await handle.query(birthdayStateQuery);
      assert.equal(state.step, 'done');
    });
  });
});
