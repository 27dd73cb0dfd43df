import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderTemplate } from '../../activities/email/render';
import { templates } from '../../emails';
import { previewContextIn } from '../../emails/components/preview-fixtures';

/**
 * An Arabic email as a reader's browser lays it out: right to left, with the columns mirrored.
 * Headless Debian chromium (scripts/setup.sh installs it); the screenshots stay in
 * .artifacts/emails/ (git-ignored) for a person to look at.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(__dirname, '../../.artifacts/emails');

interface Box {
  left: number;
  right: number;
}

async function open(page: Page, html: string): Promise<void> {
  // Nothing leaves the machine: product images point at a shop that does not exist.
  await page.route('**/*', (route) => route.abort());
  await page.setContent(html, { waitUntil: 'domcontentloaded' });
}

/** Where the first visible text node containing `text` sits, horizontally. */
async function boxOf(page: Page, text: string): Promise<Box> {
  const box = await page.evaluate((wanted) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.textContent?.includes(wanted)) {
        const range = document.createRange();
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        // the hidden preview line comes first and has no box
        if (r.width > 0) return { left: r.left, right: r.right };
      }
    }
    return null;
  }, text);
  assert.ok(box, `"${text}" is on the page`);
  return box;
}

describe('an Arabic email in a browser', { skip: CHROMIUM ? false : 'no chromium here (scripts/setup.sh installs it with apt-get where it runs as root)' }, () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
  });

  test('the order confirmation reads right to left: text starts on the right, the total sits left of its label', { timeout: 60_000 }, async () => {
    const preview = templates['order-confirmation'].PreviewProps;
    const arabic = await renderTemplate('order-confirmation', { ...preview, context: { ...previewContextIn('ar'), unsubscribeUrl: undefined } });
    const english = await renderTemplate('order-confirmation', preview);
    const page = await browser.newPage({ viewport: { width: 700, height: 1100 } });
    try {
      await open(page, arabic.html);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'ar-order-confirmation.png'), fullPage: true });

      const layout = await page.evaluate(() => {
        const heading = document.querySelector('h1')!;
        const card = heading.closest('table')!.getBoundingClientRect();
        const paragraphs = Array.from(document.querySelectorAll('p')).map((p) => getComputedStyle(p).direction);
        return {
          documentDir: document.documentElement.dir,
          lang: document.documentElement.lang,
          headingDirection: getComputedStyle(heading).direction,
          headingAlign: getComputedStyle(heading).textAlign,
          paragraphs,
          card: { left: card.left, right: card.right },
        };
      });
      assert.equal(layout.documentDir, 'rtl');
      assert.equal(layout.lang, 'ar');
      assert.equal(layout.headingDirection, 'rtl');
      assert.ok(layout.paragraphs.length > 3 && layout.paragraphs.every((d) => d === 'rtl'), `every paragraph is rtl: ${layout.paragraphs}`);

      const heading = await boxOf(page, 'شكرًا على طلبك');
      assert.ok(layout.card.right - heading.right < 60, `the heading starts at the right edge of the card (${JSON.stringify({ heading, card: layout.card })})`);
      assert.ok(heading.left - layout.card.left > 150, 'and leaves the left side free');

      const label = await boxOf(page, 'الإجمالي');
      const total = await boxOf(page, '93.95');
      assert.ok(total.right < label.left, `the amount column is mirrored to the left of its label (${JSON.stringify({ label, total })})`);
      const product = await boxOf(page, 'Sencha green tea, 100 g');
      const lineTotal = await boxOf(page, '25.00');
      assert.ok(lineTotal.right < product.left, 'a line total sits left of its product');

      // The same template in English, as the control: label left, amount right.
      await open(page, english.html);
      const enLabel = await boxOf(page, 'Total');
      const enTotal = await boxOf(page, '€93.95');
      assert.ok(enLabel.right < enTotal.left, 'English keeps the amount on the right');
    } finally {
      await page.close();
    }
  });

  test('the welcome email in Arabic, kept as a screenshot', { timeout: 60_000 }, async () => {
    const email = await renderTemplate('welcome', { ...templates.welcome.PreviewProps, context: previewContextIn('ar') });
    const page = await browser.newPage({ viewport: { width: 700, height: 1100 } });
    try {
      await open(page, email.html);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'ar-welcome.png'), fullPage: true });
      const code = await boxOf(page, 'WELCOME-7KQ2-M9XD-4HPT');
      const intro = await boxOf(page, 'أهلًا بك في');
      assert.ok(intro.right > code.right - 5, 'the heading is right-aligned like the rest of the text');
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('a[href*="/u/"]')!).direction), 'rtl');
    } finally {
      await page.close();
    }
  });
});
