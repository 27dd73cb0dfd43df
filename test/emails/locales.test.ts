import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseLocale, createI18n } from '../../emails/i18n';
import { formatMessageParts, parseMessage } from '../../shared/message-format';
import { renderTemplate } from '../../activities/email/render';
import { templates } from '../../emails';
import { previewContextIn } from '../../emails/components/preview-fixtures';
import { loadMessageOverrides, watchMessageOverrides } from '../../activities/email/message-overrides';

const format = (source: string, values: Record<string, unknown>, locale = 'en') =>
  formatMessageParts(parseMessage(source), values, { locale }).join('');

describe('choosing the customer language', () => {
  test("the customer's locale when we ship its language, formatted for their region", () => {
    assert.deepEqual(chooseLocale('de-AT', 'en'), { language: 'de', locale: 'de-AT' });
    assert.deepEqual(chooseLocale('ar', 'en'), { language: 'ar', locale: 'ar' });
    assert.deepEqual(chooseLocale('th_TH', 'en'), { language: 'th', locale: 'th-TH' });
  });

  test("falls back to the shop default for a language we do not ship or a broken tag, then to English", () => {
    assert.deepEqual(chooseLocale('pt-BR', 'fr-FR'), { language: 'fr', locale: 'fr-FR' });
    assert.deepEqual(chooseLocale('not a locale!', 'es'), { language: 'es', locale: 'es' });
    assert.deepEqual(chooseLocale(null, 'ru'), { language: 'ru', locale: 'ru' });
    assert.deepEqual(chooseLocale('pt', 'pt-BR'), { language: 'en', locale: 'en' });
  });
});

describe('message format', () => {
  test('plurals follow the language rules: Russian one/few/many, Arabic zero…many', () => {
    const ru = '{n, plural, one {# заказ} few {# заказа} many {# заказов} other {# заказа}}';
    assert.deepEqual([1, 3, 5, 21, 22, 11].map((n) => format(ru, { n }, 'ru')), ['1 заказ', '3 заказа', '5 заказов', '21 заказ', '22 заказа', '11 заказов']);
    const ar = '{n, plural, zero {z} one {o} two {t} few {f} many {m} other {x}}';
    assert.deepEqual([0, 1, 2, 3, 11, 100].map((n) => format(ar, { n }, 'ar')), ['z', 'o', 't', 'f', 'm', 'x']);
    assert.equal(format('{n, plural, =0 {none} one {# item} other {# items}}', { n: 0 }), 'none');
    assert.equal(format('{n, plural, one {# item} other {# items}}', { n: 1200 }), '1,200 items');
  });

  test('select, apostrophes and quoted braces as ICU reads them', () => {
    assert.equal(format('{tier, select, gold {Gold} other {Hello}}', { tier: 'gold' }), 'Gold');
    assert.equal(format('{tier, select, gold {Gold} other {Hello}}', { tier: 'bronze' }), 'Hello');
    assert.equal(format("don't, l'offre, ''quoted'', '{literal}'", {}), "don't, l'offre, 'quoted', {literal}");
  });

  test('a syntax error names the message', () => {
    assert.throws(() => parseMessage('Hi {name'), /in "Hi \{name"/);
    assert.throws(() => parseMessage('{n, plural, one {x}}'), /needs an "other" option/);
    assert.throws(() => parseMessage('{n, number}'), /unsupported argument type/);
  });
});

describe('right-to-left', () => {
  test('an Arabic email is dir="rtl" in HTML and every plain-text line starts with a right-to-left mark', async () => {
    const preview = templates.welcome.PreviewProps;
    const email = await renderTemplate('welcome', { ...preview, context: previewContextIn('ar') });
    assert.match(email.html, /<html[^>]*dir="rtl"[^>]*lang="ar"|<html[^>]*lang="ar"[^>]*dir="rtl"/);
    assert.match(email.html, /<body[^>]*dir="rtl"/);
    assert.match(email.html, /<table[^>]*dir="rtl"/, 'the card itself, for clients that drop <html> and <body>');
    assert.match(email.text, /أهلًا بك في/);
    assert.match(email.text, /WELCOME-7KQ2-M9XD-4HPT/);
    for (const line of email.text.split('\n').filter((l) => l.trim())) assert.ok(line.startsWith('\u200f'), `RLM missing: ${line}`);
    assert.ok(email.subject.startsWith('\u200f'));
    const english = await renderTemplate('welcome', preview);
    assert.doesNotMatch(english.html, /dir="rtl"/);
    assert.doesNotMatch(english.text, /\u200f/);
  });
});

describe("the shop's own wording", () => {
  test('an override replaces the shipped string for its language only', async () => {
    const overrides = { de: { 'welcome.intro': 'Wir rösten seit 1998 in Leipzig, {shopName} ist unser Laden.' } } as const;
    const german = await renderTemplate('welcome', { ...templates.welcome.PreviewProps, context: previewContextIn('de', overrides) });
    assert.match(german.text, /Wir rösten seit 1998 in Leipzig, Journeys Shop ist unser Laden\./);
    const french = await renderTemplate('welcome', { ...templates.welcome.PreviewProps, context: previewContextIn('fr', overrides) });
    assert.match(french.text, /Merci d’avoir rejoint Journeys Shop/);
  });

  test('a file with an unknown language, key or argument is refused with every problem listed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overrides-'));
    const file = join(dir, 'messages.json');
    writeFileSync(
      file,
      JSON.stringify({
        pt: { 'welcome.intro': 'Olá' },
        de: { 'welcome.intr': 'x', 'welcome.heading': 'Willkommen, {firstname}', 'welcome.subject': '{percentOff, plural, one {x}}' },
      }),
    );
    assert.throws(
      () => loadMessageOverrides(file),
      (err: Error) =>
        /pt: not a shipped language/.test(err.message) &&
        /de\.welcome\.intr: no such message/.test(err.message) &&
        /de\.welcome\.heading: \{firstname\} is not available here \(\{shopName\}\)/.test(err.message) &&
        /de\.welcome\.subject: .*needs an "other" option/.test(err.message),
    );
    writeFileSync(file, '{ "de": ');
    assert.throws(() => loadMessageOverrides(file), /email messages .*messages\.json: /);
  });

  test('an edit to the file applies to the next email without a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overrides-'));
    const file = join(dir, 'messages.json');
    writeFileSync(file, JSON.stringify({ en: { 'welcome.button': 'Shop now' } }));
    const current = watchMessageOverrides(file);
    assert.equal(createI18n({ customerLocale: 'en', overrides: current() }).t('welcome.button'), 'Shop now');
    writeFileSync(file, JSON.stringify({ en: { 'welcome.button': 'See the new season' } }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(createI18n({ customerLocale: 'en', overrides: current() }).t('welcome.button'), 'See the new season');
  });

  test('the shipped overrides file is valid', () => {
    assert.deepEqual(loadMessageOverrides(join(__dirname, '../../content/email-messages.json')), {});
  });
});

describe('formatting per locale', () => {
  test('dates, money and durations in the customer language', () => {
    const de = createI18n({ customerLocale: 'de-DE' });
    assert.equal(de.date('2026-03-01T10:00:00.000Z'), '1. März 2026');
    assert.match(de.money(1234.5, 'EUR'), /1\.234,50\s€/);
    assert.equal(de.duration('7 days'), '1 Woche');
    assert.equal(de.duration('10 days'), '10 Tage');
    assert.equal(createI18n({ customerLocale: 'ru' }).duration('5 days'), '5 дней');
    assert.equal(createI18n({ customerLocale: 'th' }).date('2026-12-01T10:00:00.000Z'), '1 ธันวาคม 2569');
  });
});
