import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, startApp, startSendHarness, type RunningApp, type SendHarness } from '../guardrails/harness';
import { scenarioDay, seedStatsScenario } from '../helpers/stats-scenario';

/** GET /v1/stats/journeys on a seeded scenario: totals, entrants and the daily series. */
describe('journey stats', () => {
  let h: SendHarness;
  let app: RunningApp;
  before(async () => {
    h = await startSendHarness();
    await seedStatsScenario(h);
    app = await startApp(h);
  });
  after(async () => {
    await app?.close();
    await h?.close();
  });

  const stats = async (query = '') => {
    const res = await fetch(`${app.url}/v1/stats/journeys${query}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const journey = (body: any, name: string) => body.journeys.find((j: { journey: string }) => j.journey === name);
  const step = (body: any, name: string, stepName: string) => journey(body, name).steps.find((s: { step: string }) => s.step === stepName);
  const day = (offset: number) => scenarioDay(offset).toISOString().slice(0, 10);

  test('a customer who reached two steps of a journey entered it once', async () => {
    const { body } = await stats();
    // c-1..c-10 got (or were refused) a welcome email; c-1..c-3 also a reminder
    assert.equal(journey(body, 'welcome').entered, 10);
    assert.equal(step(body, 'welcome', 'welcome-email').entered, 10);
    assert.equal(step(body, 'welcome', 'reminder').entered, 3);
    assert.equal(journey(body, 'abandoned-cart').entered, 3);
  });

  test('the seeded figures: sent, skipped by reason, engagement, conversions and revenue per currency', async () => {
    const { body } = await stats();
    const welcome = step(body, 'welcome', 'welcome-email');
    assert.deepEqual(
      { sent: welcome.sent, skipped: welcome.skipped, delivered: welcome.delivered, opened: welcome.opened, clicked: welcome.clicked },
      { sent: 8, skipped: { no_consent: 2 }, delivered: 8, opened: 6, clicked: 3 },
    );
    // c-1 by its code, c-5 by last touch (USD); c-2's order went to the later reminder
    assert.deepEqual({ converted: welcome.converted, byCoupon: welcome.convertedByCoupon, revenue: welcome.revenue }, { converted: 2, byCoupon: 1, revenue: { EUR: 40, USD: 60 } });
    assert.deepEqual(step(body, 'welcome', 'reminder').revenue, { EUR: 25.5 });
    assert.deepEqual(step(body, 'abandoned-cart', 'first-reminder').skipped, { frequency_cap: 1 });
    assert.equal(body.journeys[0].daily, undefined, 'no series unless asked for');
  });

  test('series=daily: figures per UTC day of the message that add up to the totals', async () => {
    const { status, body } = await stats('?series=daily');
    assert.equal(status, 200);
    const welcome = journey(body, 'welcome');
    assert.deepEqual(
      welcome.daily.map((d: { date: string }) => d.date),
      [day(0), day(1), day(2)],
    );
    const email = step(body, 'welcome', 'welcome-email');
    assert.deepEqual(
      email.daily.map((d: any) => [d.date, d.entered, d.sent, d.skipped, d.opened, d.converted, d.revenue]),
      [
        [day(0), 4, 4, 0, 4, 1, { EUR: 40 }],
        [day(1), 4, 4, 0, 2, 1, { USD: 60 }],
        [day(2), 2, 0, 2, 0, 0, {}],
      ],
    );
    for (const j of body.journeys) {
      for (const s of j.steps) {
        const sum = (k: string) => s.daily.reduce((n: number, d: any) => n + d[k], 0);
        for (const k of ['entered', 'sent', 'delivered', 'opened', 'clicked', 'converted']) assert.equal(sum(k), s[k], `${j.journey}/${s.step} ${k}`);
        assert.equal(sum('skipped'), Object.values(s.skipped as Record<string, number>).reduce((a, b) => a + b, 0));
      }
      const sentByDay = j.daily.reduce((n: number, d: any) => n + d.sent, 0);
      assert.equal(sentByDay, j.steps.reduce((n: number, s: any) => n + s.sent, 0), `${j.journey}: the journey's days add up its steps`);
    }
    // the same totals with or without the series
    const plain = await stats();
    const strip = (b: any) => b.journeys.map(({ daily: _d, steps, ...j }: any) => ({ ...j, steps: steps.map(({ daily: _sd, ...s }: any) => s) }));
    assert.deepEqual(strip(body), strip(plain.body));
  });

  test('a range keeps the days inside it; an unknown series is a 422', async () => {
    const { body } = await stats(`?series=daily&since=${day(1)}T00:00:00Z&until=${day(2)}T00:00:00Z`);
    assert.deepEqual(journey(body, 'welcome').daily.map((d: { date: string }) => d.date), [day(1)]);
    assert.equal(journey(body, 'welcome').entered, 7, 'c-5..c-8 (welcome email) and c-1..c-3 (reminder)');
    const bad = await stats('?series=hourly');
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'validation_failed');
  });
});
