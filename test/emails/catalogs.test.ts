import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogs, shippedLanguages, missingPluralForms, type MessageKey } from '../../emails/i18n';
import { messageArguments, parseMessage } from '../../shared/message-format';
import { renderTemplate } from '../../activities/email/render';
import { templates, type TemplateName, type TemplateProps } from '../../emails';
import { previewContextIn } from '../../emails/components/preview-fixtures';

/**
 * The catalogs are complete and used: every shipped language has exactly the English keys with
 * the same arguments and every plural form its grammar needs; every key is read by some
 * template; every template renders in every language without a missing message or argument.
 */
const english = catalogs.en as Record<string, string>;
const englishKeys = Object.keys(english).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'locales' ? [] : sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe('message catalogs', () => {
  for (const language of shippedLanguages) {
    const catalog = catalogs[language] as Record<string, string>;

    test(`${language} has every English key and no other`, () => {
      const keys = Object.keys(catalog).sort();
      assert.deepEqual(
        englishKeys.filter((k) => !(k in catalog)),
        [],
        `missing in ${language}`,
      );
      assert.deepEqual(
        keys.filter((k) => !(k in english)),
        [],
        `in ${language} but not in English`,
      );
    });

    test(`${language} messages parse, take the English arguments and have every plural form`, () => {
      for (const key of englishKeys) {
        const nodes = parseMessage(catalog[key]);
        const expected = [...messageArguments(parseMessage(english[key])).keys()].sort();
        assert.deepEqual([...messageArguments(nodes).keys()].sort(), expected, `${language} ${key}: arguments`);
        assert.deepEqual(missingPluralForms(language, nodes), [], `${language} ${key}: plural forms`);
        assert.ok(catalog[key].trim().length > 0, `${language} ${key} is empty`);
      }
    });
  }

  test('every key is read by a template or component, and every key read exists', () => {
    const code = sourceFiles(join(__dirname, '../../emails'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const unused = englishKeys.filter((key) => !code.includes(`'${key}'`));
    assert.deepEqual(unused, [], 'keys no template reads: remove them from every catalog, or use them');
    const read = [...code.matchAll(/\b(?:t|rich)\(\s*'([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(
      read.filter((key) => !(key in english)),
      [],
      'keys read but not in the catalogs',
    );
  });

  for (const language of shippedLanguages) {
    test(`every template renders in ${language}, with and without a first name`, async () => {
      for (const name of Object.keys(templates) as TemplateName[]) {
        const preview = templates[name].PreviewProps as TemplateProps[TemplateName];
        const localised = previewContextIn(language);
        for (const context of [
          { ...preview.context, i18n: localised.i18n, locale: localised.locale },
          { ...preview.context, i18n: localised.i18n, locale: localised.locale, firstName: undefined, repliesReachAPerson: false },
        ]) {
          const email = await renderTemplate(name, { ...preview, context } as TemplateProps[TemplateName]);
          assert.ok(email.subject.trim(), `${name} in ${language}: subject`);
          assert.doesNotMatch(email.html, /\{[A-Za-z_]+(,|\})/, `${name} in ${language}: an argument left unformatted`);
          assert.match(email.html, new RegExp(`<html[^>]*lang="${localised.locale}"`), `${name} in ${language}: lang`);
        }
      }
    });
  }

  /** Every string a template was given (product titles, codes, names, URLs): not copy. */
  function givenStrings(value: unknown, into: string[] = []): string[] {
    if (typeof value === 'string') into.push(value);
    else if (Array.isArray(value)) for (const v of value) givenStrings(v, into);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (k !== 'i18n') givenStrings(v, into);
    return into;
  }

  for (const language of ['ru', 'th', 'ar'] as const) {
    test(`no template carries English copy of its own: nothing Latin is left in ${language} once the given data is taken out`, async () => {
      for (const name of Object.keys(templates) as TemplateName[]) {
        const preview = templates[name].PreviewProps as TemplateProps[TemplateName];
        const localised = previewContextIn(language);
        const email = await renderTemplate(name, { ...preview, context: { ...preview.context, i18n: localised.i18n } } as TemplateProps[TemplateName]);
        let text = `${email.subject}\n${email.text}`.replace(/https?:\/\/\S+/g, ' ');
        // headings come out in capitals in the plain text
        for (const given of givenStrings(preview).sort((a, b) => b.length - a.length)) text = text.split(given).join(' ').split(given.toUpperCase()).join(' ');
        const latin = (text.match(/[A-Za-z]{2,}/g) ?? []).filter((word) => word !== 'VIP');
        assert.deepEqual(latin, [], `${name} in ${language} shows words that come from no catalog`);
      }
    });
  }

  test('a message missing an argument fails the render instead of mailing a placeholder', () => {
    const { i18n } = previewContextIn('de');
    assert.throws(() => i18n.t('welcome.heading' as MessageKey), /welcome\.heading \(de\): missing argument shopName/);
  });
});
