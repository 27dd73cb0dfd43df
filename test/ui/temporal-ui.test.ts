import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { defaultJourneysConfig } from '../../config/journeys';
import { devServerExecutable } from '../../dev/temporal-binaries';
import { abandonedCart } from '../../workflows/abandoned-cart';
import {
  abandonedCartWorkflowId,
  CustomerIdKey,
  JourneyKey,
  journeyEventSignal,
  journeySearchAttributes,
  stateQuery,
} from '../../workflows/messages';
import type { ShopEvent } from '../../ingest/event-schemas';
import { workflowBundle } from '../helpers/workflow-bundle';
import { freePort } from '../helpers/free-port';

/**
 * What an operator sees in the dev server's Temporal UI: a running abandoned-cart journey,
 * found by its CustomerId, shows its summary and what it waits for. Headless Debian chromium
 * (scripts/setup.sh installs it); the screenshot stays in .artifacts/ for a person to look at.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(__dirname, '../../.artifacts/temporal-ui');
const SUMMARY = 'Abandoned cart: reminder 4 h after the last cart change, discount 20 h later';
/** The current details of a journey that waits: until when, and for what. */
const WAITING = /waiting until \d{4}-\d{2}-\d{2}T[\d:.]+Z for: first reminder 4 hours after the latest cart update/;

describe('the Temporal UI', { skip: CHROMIUM ? false : 'no chromium here (scripts/setup.sh installs it with apt-get where it runs as root)' }, () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let browser: Browser;
  let uiUrl: string;

  before(async () => {
    const uiPort = await freePort();
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: devServerExecutable(), searchAttributes: [...journeySearchAttributes], ui: true, uiPort },
    });
    uiUrl = `http://127.0.0.1:${uiPort}`;
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: 'temporal-ui-test',
      workflowBundle: await workflowBundle(),
      activities: {},
    });
    running = worker.run();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  test('a running abandoned-cart journey, found by CustomerId, shows its summary and what it is waiting for', { timeout: 120_000 }, async () => {
    const customerId = `c-ui-${Date.now()}`;
    const workflowId = abandonedCartWorkflowId(customerId);
    const cart: ShopEvent = {
      id: `cart-${customerId}`,
      type: 'cart.updated',
      customerId,
      occurredAt: new Date().toISOString(),
      properties: { cartId: 'k-1', cartUrl: 'https://shop.example.com/cart/k-1', items: [{ productId: 'mug', title: 'Mug', price: 12, quantity: 1 }] },
    };
    const handle = await env.client.workflow.signalWithStart(abandonedCart, {
      workflowId,
      taskQueue: 'temporal-ui-test',
      args: [{ customerId, config: defaultJourneysConfig.abandonedCart }],
      signal: journeyEventSignal,
      signalArgs: [cart],
      typedSearchAttributes: [
        { key: CustomerIdKey, value: customerId },
        { key: JourneyKey, value: 'abandoned-cart' },
      ],
      staticSummary: SUMMARY,
    });
    for (let i = 0; i < 100 && (await handle.query(stateQuery)).step !== 'waiting-for-inactivity'; i++) await new Promise((r) => setTimeout(r, 100));

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      // The search an operator types into the UI's query box.
      const search = `${CustomerIdKey.name}="${customerId}"`;
      await page.goto(`${uiUrl}/namespaces/${env.namespace ?? 'default'}/workflows?query=${encodeURIComponent(search)}`);
      const row = page.getByRole('link', { name: workflowId }).first();
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      // The UI keeps a workflow's summary and current details under "User Metadata".
      await page.getByText('User Metadata', { exact: true }).first().click();
      // Both are markdown, which the UI renders in sandboxed frames: read every frame's text.
      const shown = async () => {
        const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')));
        return texts.join('\n');
      };
      let text = '';
      try {
        for (let i = 0; i < 150 && !(text.includes(SUMMARY) && WAITING.test(text)); i++) {
          await page.waitForTimeout(200);
          text = await shown();
        }
      } finally {
        // Kept either way: what the page showed is the first thing to look at when this fails.
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, 'abandoned-cart.png'), fullPage: true });
      }
      assert.ok(text.includes(SUMMARY), `the summary is shown; the page shows:\n${text}`);
      assert.match(text, WAITING);
      assert.ok(text.includes(customerId), 'the details name the customer');
    } finally {
      await page.close();
      await handle.terminate('test done');
    }
  });
});
