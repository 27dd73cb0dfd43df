import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { API_KEY, startApp, startSendHarness, type RunningApp, type SendHarness } from '../guardrails/harness';
import { seedStatsScenario } from '../helpers/stats-scenario';
import { compareShownFigures, signIn } from '../helpers/dashboard-page';

/**
 * The dashboard in headless Debian chromium on a seeded scenario: it loads with no console
 * error (a CSP violation is one), asks for the key, and every figure it shows is the one
 * GET /v1/stats/journeys answers for the same query. The screenshot stays in
 * .artifacts/dashboard/ for a person to look at.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(__dirname, '../../.artifacts/dashboard');

describe('the dashboard', { skip: CHROMIUM ? false : 'no chromium here (scripts/setup.sh installs it with apt-get where it runs as root)' }, () => {
  let h: SendHarness;
  let app: RunningApp;
  let browser: Browser;
  before(async () => {
    h = await startSendHarness();
    await seedStatsScenario(h);
    app = await startApp(h);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await h?.close();
  });

  /** A page that records every console error, uncaught exception and failed request. */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
    });
    return { page, problems };
  }

  test('after signing in it shows the same figures as GET /v1/stats/journeys, with no console error', { timeout: 120_000 }, async () => {
    const { page, problems } = await openPage();
    try {
      const answer = await signIn(page, app.url, API_KEY);
      assert.ok(!page.url().includes(API_KEY), 'the key is in no URL');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('journeys.apiKey')), API_KEY, 'kept in the tab');
      assert.ok(!answer.url.includes(API_KEY));
      assert.equal(answer.authorization, `Bearer ${API_KEY}`, 'sent as the bearer header');
      const query = new URL(answer.url).search;
      assert.match(query, /series=daily/);
      assert.match(query, /since=/, 'the default range (last 7 days) is asked for');

      const api = async () =>
        (await (await fetch(`${app.url}/v1/stats/journeys${query}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as any;
      const stats = await api();
      assert.deepEqual(answer.body, stats, 'the page read what the API answers');
      assert.deepEqual(stats.journeys.map((j: { journey: string }) => j.journey).sort(), ['abandoned-cart', 'order', 'welcome']);

      // the first journey's view, then welcome's, then its first step's
      let shown = await compareShownFigures(page, stats);
      assert.ok(shown > 40, `many figures are shown (${shown})`);
      await page.locator('tr[data-journey="welcome"]').click();
      await page.locator('#funnel h2').waitFor();
      shown = await compareShownFigures(page, stats);
      const funnel = await page.locator('#funnel .stage .num').allInnerTexts();
      assert.deepEqual(funnel, ['10', '11', '10', '8', '4', '3'], 'welcome: 10 entered, 11 sent, 10 delivered, 8 opened, 4 clicked, 3 converted');
      assert.deepEqual(await page.locator('#funnel .money .amount span').allInnerTexts(), ['€65.50', '$60.00']);
      assert.match(await page.locator('#skipped').innerText(), /welcome-email\s+no_consent\s+no marketing consent\s+2/);
      const sentPerDay = await page.evaluate(() => {
        const chart = (window as any).Chart.getChart('daily-chart');
        return chart.data.datasets.find((d: { label: string }) => d.label === 'Sent').data.reduce((a: number, b: number) => a + b, 0);
      });
      assert.equal(sentPerDay, 11, "the daily chart's sent add up to the journey's");
      // keep the picture of welcome's view, the richest of the scenario
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

      await page.locator('#step-select').selectOption('welcome-email');
      await page.locator('#funnel h2', { hasText: 'welcome-email' }).waitFor();
      await compareShownFigures(page, stats);
      assert.deepEqual(await page.locator('#funnel .stage .num').allInnerTexts(), ['10', '8', '8', '6', '3', '2']);

      // a range without the scenario's days shows nothing, from the API's empty answer
      await page.locator('#range-preset').selectOption('custom');
      await page.locator('#range-from').fill('2020-01-01');
      await page.locator('#range-to').fill('2020-01-31');
      const empty = page.waitForResponse((r) => r.url().includes('/v1/stats/journeys'));
      await page.locator('#range button[type=submit]').click();
      assert.deepEqual((await (await empty).json()).journeys, []);
      await page.locator('#overview', { hasText: 'No messages in this range yet.' }).waitFor();

      assert.deepEqual(problems, [], 'no console errors, CSP violations or failed requests');
    } finally {
      await page.close();
    }
  });

  test('figures the stats grow (A/B variants, a holdout) get their own sections, as answered', { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage();
    try {
      // The answer as a later stats version could give it: unknown fields on a step and a journey.
      let grown: any;
      await page.route('**/v1/stats/journeys?**', async (route) => {
        const res = await route.fetch();
        grown = await res.json();
        const welcome = grown.journeys.find((j: { journey: string }) => j.journey === 'welcome');
        // a step-level field, and the journey-level results as growth's A/B tests and holdouts give them
        welcome.steps[0].variants = [
          { variant: 'A', recipients: 4, opened: 3 },
          { variant: 'B', recipients: 4, opened: 3 },
        ];
        welcome.experiments = [
          {
            id: 'welcome-subject',
            journey: 'welcome',
            step: 'welcome-email',
            metric: 'conversion',
            status: 'running',
            variants: [
              { variant: 'control', weight: 1, recipients: 4, opened: 3, clicked: 2, converted: 1, revenue: { EUR: 40 }, rate: 0.25, vsControl: null },
              { variant: 'gift', weight: 1, recipients: 4, opened: 3, clicked: 1, converted: 1, revenue: { USD: 60 }, rate: 0.25, vsControl: { test: 'two-proportion z-test', difference: 0, z: 0, pValue: 1, confidence: 0, approximate: true } },
            ],
            significance: { test: 'two-proportion z-test', why: 'conversion is a yes/no per recipient', leader: null, leaderConfidence: 0, autoWinner: null },
            decision: null,
          },
        ];
        const group = (customers: number, converted: number, eur: number) => ({ customers, converted, conversionRate: converted / customers, revenue: { EUR: eur }, revenuePerCustomer: { EUR: eur / customers } });
        welcome.holdout = {
          percent: 10,
          windowDays: 30,
          treated: group(9, 3, 65.5),
          control: group(1, 0, 0),
          lift: {
            conversionRate: { estimate: 0.3333, low: -0.0747, high: 0.7413, confidence: 0.95 },
            relative: null,
            revenuePerCustomer: { EUR: { estimate: 7.28, low: -2.5, high: 17.06, confidence: 0.95 } },
          },
        };
        await route.fulfill({ response: res, json: grown });
      });
      await signIn(page, app.url, API_KEY);
      await page.locator('tr[data-journey="welcome"]').click();
      await page.locator('[data-section="holdout"]').waitFor();
      assert.match(await page.locator('[data-section="variants"] h2').innerText(), /A\/B test · welcome \/ welcome-email/);
      assert.equal(await page.locator('[data-section="variants"] tbody tr').count(), 2);
      const experiments = page.locator('[data-section="experiments"]');
      assert.match(await experiments.locator('h3').innerText(), /welcome-subject/);
      assert.equal(await experiments.locator('tbody tr').count(), 2, 'a row per variant');
      assert.match(await experiments.innerText(), /two-proportion z-test/);
      const holdout = await page.locator('[data-section="holdout"]').innerText();
      assert.match(holdout, /Lift in conversion: \+33\.3 points \(95 % interval -7\.5 to \+74\.1\)/);
      assert.match(holdout, /treated 33\.3 % of 9 customers converted, control 0\.0 % of 1/);
      assert.match(holdout, /revenue per customer \(EUR\): €7\.28 \(95 % interval -€2\.50 to €17\.06\)/);
      const shown = await compareShownFigures(page, grown);
      assert.ok(shown > 50);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-with-experiment-and-holdout.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('a wrong key is refused and asked for again; nothing is shown without one', { timeout: 60_000 }, async () => {
    const { page } = await openPage();
    try {
      await page.goto(`${app.url}/dashboard`);
      await page.locator('#sign-in').waitFor();
      assert.equal(await page.locator('#board').isVisible(), false);
      await page.locator('#api-key').fill('not-the-key');
      await page.locator('#sign-in-form button').click();
      await page.locator('#sign-in-error', { hasText: 'not accepted' }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('journeys.apiKey')), null, 'a refused key is not kept');
      assert.equal(await page.locator('#board').isVisible(), false);
    } finally {
      await page.close();
    }
  });

  test('the page and its assets come from our origin under a CSP with no inline script', async () => {
    const res = await fetch(`${app.url}/dashboard`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|style=/i, 'no inline script, handler or style');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
    for (const asset of ['/dashboard/app.js', '/dashboard/app.css', '/dashboard/vendor/chart.umd.min.js']) {
      const a = await fetch(`${app.url}${asset}`);
      assert.equal(a.status, 200, asset);
      assert.ok((await a.text()).length > 100, asset);
    }
  });
});
