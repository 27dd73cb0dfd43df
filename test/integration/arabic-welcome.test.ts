import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startHarness, type Harness } from './harness';

/** An IANA zone whose local time is 23:xx right now (Etc/GMT-N is UTC+N). */
function zoneAt23(now = new Date()): string {
  const offset = ((23 - now.getUTCHours() + 36) % 24) - 12;
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/**
 * The whole way, as a shop would do it: a customer with `locale: "ar"` signs up at 23:00 in
 * their zone, with real quiet hours (21–8) on, and gets the Arabic welcome at once — right to
 * left in HTML and text, with the shop's own Arabic intro from its overrides file, their
 * favourite category from a custom attribute, and a Reply-To that reaches a person.
 */
describe('an Arabic customer over HTTP (API + Postgres + Temporal dev server + fake Resend)', () => {
  let h: Harness;
  const overrides = join(mkdtempSync(join(tmpdir(), 'messages-')), 'email-messages.json');
  writeFileSync(overrides, JSON.stringify({ ar: { 'welcome.intro': 'نحمّص قهوتنا بأنفسنا كل أسبوع في {shopName}.' } }));

  before(async () => {
    h = await startHarness({
      journeys: { guardrails: { quietHoursStart: 21, quietHoursEnd: 8 } },
      env: { MAIL_REPLY_TO: 'Team <help@shop.test>', EMAIL_MESSAGES_FILE: overrides, SHOP_LOCALE: 'en' },
    });
  });
  after(async () => {
    await h?.close();
  });

  test('customer.created with locale "ar" at 23:00 local time gets the Arabic, right-to-left welcome at once', { timeout: 90_000 }, async () => {
    const timezone = zoneAt23();
    const res = await h.request('POST', '/v1/events', {
      id: 'evt-it-ar-1',
      type: 'customer.created',
      customerId: 'cust-it-ar',
      properties: {
        email: 'layla@example.com',
        firstName: 'ليلى',
        marketingConsent: true,
        locale: 'ar',
        timezone,
        attributes: { favoriteCategory: 'القهوة المختصة', tier: 'gold' },
      },
    });
    assert.equal(res.status, 202);

    const email = await eventually(async () => h.resend.emails.find((e) => e.body.to.includes('layla@example.com')), 30_000, 'the Arabic welcome');
    const { subject, html, text } = email.body;
    assert.match(subject, /^\u200fأهلًا بك في \u2068Journeys Shop\u2069: خصم \u2068?10\u2069?٪ في الداخل$/);
    assert.match(html, /<html[^>]*dir="rtl"/);
    assert.match(html, /<html[^>]*lang="ar"/);
    assert.match(html, /<table[^>]*dir="rtl"/);
    assert.match(text, /مرحبًا \u2068ليلى\u2069،/, 'the greeting names her, in Arabic');
    assert.match(text, /نحمّص قهوتنا بأنفسنا كل أسبوع في \u2068Journeys Shop\u2069\./, "the shop's own Arabic intro from its overrides file");
    assert.match(text, /نحن أيضًا نحب \u2068القهوة المختصة\u2069/, 'the favourite category from her attributes');
    assert.match(text, /مرتين في الأسبوع تقريبًا/, 'what she will get and how often (MARKETING_EMAILS_PER_WEEK=2, Arabic dual form)');
    assert.match(text, /WELCOME-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/);
    assert.match(text, /إلغاء الاشتراك/);
    for (const line of text.split('\n').filter((l) => l.trim())) assert.ok(line.startsWith('\u200f'), `every text line reads right to left: ${JSON.stringify(line)}`);
    assert.deepEqual([email.body.reply_to].flat(), ['Team <help@shop.test>'], 'replies reach a person');
    assert.match(text, /يقرأ كل رد شخص حقيقي/, 'and the email says so');

    const log = await h.request('GET', '/v1/messages?customerId=cust-it-ar');
    assert.equal(log.body.messages[0].status === 'deferred', false, 'not held for the morning');
  });
});
