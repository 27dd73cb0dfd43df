import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { demoOptions, runDemoScenario, startDemoStack } from '../../scripts/demo';
import { freePort } from '../helpers/free-port';
import { workflowBundle } from '../helpers/workflow-bundle';
import { compareShownFigures, signIn } from '../helpers/dashboard-page';

/**
 * `npm run demo` in small: the embedded stack as `npm start` runs it (own ports, temp data dir),
 * a dozen customers through the public API, then the figures a newcomer looks at: non-zero
 * funnels and revenue in GET /v1/stats/journeys, and the dashboard showing the same (in
 * headless chromium, where it is installed). The stack stops cleanly.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

test('the demo populates the stats and the dashboard shows them', { timeout: 290_000 }, async () => {
  const lines: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'journeys-demo-'));
  // beside the data dir, which the stack empties when it starts
  const workflowBundlePath = join(mkdtempSync(join(tmpdir(), 'journeys-demo-bundle-')), 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, (await workflowBundle()).code);
  const options = {
    ...demoOptions(12, (l) => lines.push(l)),
    trafficWindowMs: 3_000,
    // long enough for orders, opens, clicks and conversions; the shoppers' later moves (reviews,
    // second carts) are not what this test looks at
    settleMs: 8_000,
    deadlineMs: 60_000,
    dataDir,
    workflowBundlePath,
    ports: { api: await freePort(), temporal: await freePort(), temporalUi: await freePort(), postgres: await freePort() },
  };
  const stack = await startDemoStack(options);
  try {
    const summary = await runDemoScenario(stack, options);
    assert.equal(summary.customers, 12, lines.join('\n'));
    assert.ok(summary.orders > 0 && summary.emails > 12, `orders and emails: ${JSON.stringify(summary)}`);

    const res = await fetch(`${stack.apiUrl}/v1/stats/journeys`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
    const stats = (await res.json()) as { journeys: { journey: string; entered: number; steps: Record<string, any>[] }[] };
    const total = (journey: string, field: string) => stats.journeys.find((j) => j.journey === journey)?.steps.reduce((n, s) => n + s[field], 0) ?? 0;
    assert.equal(stats.journeys.find((j) => j.journey === 'welcome')?.entered, 12);
    for (const field of ['sent', 'delivered', 'opened']) assert.ok(total('welcome', field) > 0, `welcome ${field}`);
    assert.ok(total('order', 'sent') > 0, 'order confirmations');
    const converted = stats.journeys.reduce((n, j) => n + j.steps.reduce((m, s) => m + s.converted, 0), 0);
    assert.ok(converted > 0, 'some orders are credited to journeys');

    if (CHROMIUM) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const errors: string[] = [];
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        const answer = await signIn(page, stack.apiUrl, stack.apiKey);
        assert.ok((await compareShownFigures(page, answer.body)) > 30);
        const dir = join(__dirname, '../../.artifacts/dashboard');
        mkdirSync(dir, { recursive: true });
        await page.locator('tr[data-journey="welcome"]').click();
        await page.screenshot({ path: join(dir, 'demo-small.png'), fullPage: true });
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    }
  } finally {
    const code = await stack.stop();
    rmSync(options.dataDir, { recursive: true, force: true });
    rmSync(dirname(workflowBundlePath), { recursive: true, force: true });
    assert.equal(code, 0, 'the stack stops cleanly on SIGINT');
  }
});
