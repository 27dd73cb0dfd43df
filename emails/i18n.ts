import * as React from 'react';
import type { Duration } from '@temporalio/common';
import { toMs } from '../shared/durations';
import { formatDate, formatMoney } from '../shared/format';
import {
  formatMessageParts,
  messageArguments,
  parseMessage,
  pluralCategoriesUsed,
  type MessageNode,
} from '../shared/message-format';
import en from './locales/en.json';
import de from './locales/de.json';
import fr from './locales/fr.json';
import es from './locales/es.json';
import ru from './locales/ru.json';
import th from './locales/th.json';
import ar from './locales/ar.json';

/**
 * Email copy per language. English is the reference: its keys are the type `MessageKey`, and
 * every other catalog must have exactly those keys with the same arguments
 * (test/emails/catalogs.test.ts). A shop overrides any string per language from a file
 * (activities/email/message-overrides.ts); templates read copy only through `context.i18n`.
 */
export type MessageKey = keyof typeof en;
export type Catalog = Record<MessageKey, string>;

export const catalogs = { en, de, fr, es, ru, th, ar } satisfies Record<string, Catalog>;
export type ShippedLanguage = keyof typeof catalogs;
export const shippedLanguages = Object.keys(catalogs) as ShippedLanguage[];

/** Languages written right to left: the layout mirrors and the plain text carries RLM marks. */
const rightToLeft = new Set<string>(['ar']);

/** Per-language string overrides a shop keeps in a file; validated by `validateOverrides`. */
export type MessageOverrides = Partial<Record<ShippedLanguage, Partial<Record<MessageKey, string>>>>;

export function isShippedLanguage(value: string): value is ShippedLanguage {
  return Object.prototype.hasOwnProperty.call(catalogs, value);
}

export function isMessageKey(value: string): value is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, value);
}

/** A BCP 47 tag in canonical form ('de_at' → 'de-AT'), or undefined when it is not one. */
function canonical(tag: string | null | undefined): string | undefined {
  if (!tag) return undefined;
  try {
    return Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

export interface LocaleChoice {
  /** the catalog the copy comes from */
  language: ShippedLanguage;
  /** the locale dates, money and numbers are formatted for: the customer's own when its language is shipped */
  locale: string;
}

/**
 * The customer's locale when we ship its language ('de-AT' → German, formatted for Austria),
 * else the shop's default, else English.
 */
export function chooseLocale(customerLocale: string | null | undefined, shopLocale: string | undefined): LocaleChoice {
  for (const tag of [canonical(customerLocale), canonical(shopLocale)]) {
    if (!tag) continue;
    const language = new Intl.Locale(tag).language;
    if (isShippedLanguage(language)) return { language, locale: tag };
  }
  return { language: 'en', locale: 'en' };
}

export type MessageValues = Record<string, string | number>;

/** What a template reads its copy and formatting from (`context.i18n`). */
export interface I18n extends LocaleChoice {
  dir: 'ltr' | 'rtl';
  /** the copy as plain text (subjects, previews, attributes) */
  t(key: MessageKey, values?: MessageValues): string;
  /** the copy with React nodes among the values (`{ orderId: <strong>…</strong> }`) */
  rich(key: MessageKey, values: Record<string, React.ReactNode | string | number>): React.ReactElement;
  money(amount: number, currency: string): string;
  date(iso: string): string;
  /** a configured duration ('7 days') in words of the language: "7 Tage", "٧ أيام" */
  duration(duration: Duration | string): string;
  /** "A, B and C" in the language (Intl.ListFormat) */
  list(items: string[]): string;
  /** the side text starts on: 'left', or 'right' for right-to-left languages */
  start: 'left' | 'right';
  end: 'left' | 'right';
}

const parsed = new Map<string, MessageNode[]>();

function parseCached(source: string): MessageNode[] {
  let nodes = parsed.get(source);
  if (!nodes) parsed.set(source, (nodes = parseMessage(source)));
  return nodes;
}

/**
 * First-strong isolation (U+2068 … U+2069) around interpolated text in right-to-left copy, so a
 * Latin product name or code inside Arabic keeps its own direction and the punctuation next to it
 * stays where the translator put it.
 */
const isolate = (value: string) => `\u2068${value}\u2069`;

export function createI18n(options: {
  customerLocale?: string | null;
  shopLocale?: string;
  overrides?: MessageOverrides;
}): I18n {
  const choice = chooseLocale(options.customerLocale, options.shopLocale);
  const catalog: Catalog = catalogs[choice.language];
  const overridden = options.overrides?.[choice.language] ?? {};
  const dir = rightToLeft.has(choice.language) ? 'rtl' : 'ltr';
  const formatOptions = {
    locale: choice.locale,
    wrapArgument: dir === 'rtl' ? isolate : undefined,
    isRich: (value: unknown): value is React.ReactNode => React.isValidElement(value),
  };
  const source = (key: MessageKey): string => {
    const text = overridden[key] ?? catalog[key];
    if (text === undefined) throw new Error(`no message ${key} in the ${choice.language} catalog`);
    return text;
  };
  const parts = (key: MessageKey, values: Record<string, unknown>) => {
    try {
      return formatMessageParts(parseCached(source(key)), values, formatOptions);
    } catch (err) {
      throw new Error(`message ${key} (${choice.language}): ${(err as Error).message}`);
    }
  };
  const units = new Map<string, Intl.NumberFormat>();
  const unitFormat = (unit: string) => {
    let format = units.get(unit);
    if (!format) units.set(unit, (format = new Intl.NumberFormat(choice.locale, { style: 'unit', unit, unitDisplay: 'long' })));
    return format;
  };
  return {
    ...choice,
    dir,
    start: dir === 'rtl' ? 'right' : 'left',
    end: dir === 'rtl' ? 'left' : 'right',
    t: (key, values = {}) => parts(key, values).join(''),
    rich: (key, values) => React.createElement(React.Fragment, null, ...parts(key, values)),
    money: (amount, currency) => formatMoney(amount, currency, choice.locale),
    list: (items) => new Intl.ListFormat(choice.locale, { type: 'conjunction' }).format(items),
    date: (iso) => formatDate(iso, choice.locale),
    duration: (duration) => {
      const total = toMs(duration as Duration);
      for (const [unit, size] of [
        ['week', 7 * 86_400_000],
        ['day', 86_400_000],
        ['hour', 3_600_000],
        ['minute', 60_000],
      ] as const) {
        if (total >= size && total % size === 0) return unitFormat(unit).format(total / size);
      }
      return unitFormat('minute').format(Math.round(total / 60_000));
    },
  };
}

/**
 * Why a set of overrides cannot be used, one line each (empty: fine): an unknown language or
 * key, a message that does not parse, or one that reads an argument the template does not give.
 */
export function overrideProblems(overrides: Record<string, Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [language, messages] of Object.entries(overrides)) {
    if (!isShippedLanguage(language)) {
      problems.push(`${language}: not a shipped language (${shippedLanguages.join(', ')})`);
      continue;
    }
    for (const [key, text] of Object.entries(messages)) {
      if (!isMessageKey(key)) {
        problems.push(`${language}.${key}: no such message`);
        continue;
      }
      let nodes: MessageNode[];
      try {
        nodes = parseMessage(text);
      } catch (err) {
        problems.push(`${language}.${key}: ${(err as Error).message}`);
        continue;
      }
      const given = messageArguments(parseMessage(en[key]));
      for (const [name, kind] of messageArguments(nodes)) {
        if (!given.has(name)) problems.push(`${language}.${key}: {${name}} is not available here (${[...given.keys()].map((n) => `{${n}}`).join(', ') || 'no arguments'})`);
        else if (kind === 'number' && given.get(name) !== 'number') problems.push(`${language}.${key}: {${name}} is not a number`);
      }
      const missing = missingPluralForms(language, nodes);
      if (missing.length) problems.push(`${language}.${key}: plural needs ${missing.join(', ')}`);
    }
  }
  return problems;
}

/**
 * Plural categories a language uses for whole numbers (0…200) that a message's plural leaves
 * to "other": Russian needs one/few/many, Arabic zero/one/two/few/many.
 */
export function missingPluralForms(language: string, nodes: MessageNode[]): string[] {
  const rules = new Intl.PluralRules(language);
  const needed = new Set<string>();
  for (let n = 0; n <= 200; n++) needed.add(rules.select(n));
  const missing = new Set<string>();
  for (const used of pluralCategoriesUsed(nodes)) {
    for (const category of needed) if (category !== 'other' && !used.has(category)) missing.add(category);
  }
  return [...missing];
}
