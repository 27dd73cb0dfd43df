/**
 * The ICU MessageFormat subset our email catalogs use, on the platform's own `Intl.PluralRules`
 * and `Intl.NumberFormat`: `{name}` arguments, `{n, plural, =0 {…} one {# item} other {# items}}`
 * (with `#` for the number) and `{x, select, a {…} other {…}}`. Quoting follows ICU: `''` is an
 * apostrophe, `'{…}'` is literal text, any other apostrophe is just an apostrophe (so "don't"
 * needs no escaping). A catalog written in this syntax is valid ICU, so a move to a full
 * implementation (intl-messageformat) changes no catalog. Pure: used by templates and tests.
 */

export type MessageNode =
  | { kind: 'text'; value: string }
  | { kind: 'argument'; name: string }
  | { kind: 'pound' }
  | { kind: 'plural'; name: string; options: Record<string, MessageNode[]> }
  | { kind: 'select'; name: string; options: Record<string, MessageNode[]> };

export class MessageSyntaxError extends Error {
  constructor(message: string, readonly source: string) {
    super(`${message} in ${JSON.stringify(source)}`);
    this.name = 'MessageSyntaxError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse a message; throws MessageSyntaxError with the offending text. */
export function parseMessage(source: string): MessageNode[] {
  let at = 0;

  function fail(why: string): never {
    throw new MessageSyntaxError(`${why} at ${at}`, source);
  }

  function skipSpace() {
    while (at < source.length && /\s/.test(source[at])) at++;
  }

  function word(): string {
    skipSpace();
    const start = at;
    while (at < source.length && /[^\s,{}]/.test(source[at])) at++;
    return source.slice(start, at);
  }

  /** Nodes until an unmatched `}` (inside an option) or the end (top level). */
  function nodes(inPlural: boolean, nested: boolean): MessageNode[] {
    const out: MessageNode[] = [];
    let text = '';
    const flush = () => {
      if (text) out.push({ kind: 'text', value: text });
      text = '';
    };
    while (at < source.length) {
      const ch = source[at];
      if (ch === "'") {
        const next = source[at + 1];
        if (next === "'") {
          text += "'";
          at += 2;
        } else if (next === '{' || next === '}' || (inPlural && next === '#')) {
          const end = source.indexOf("'", at + 1);
          if (end < 0) fail('unterminated quote');
          text += source.slice(at + 1, end);
          at = end + 1;
        } else {
          text += "'";
          at++;
        }
      } else if (ch === '{') {
        flush();
        at++;
        out.push(argument());
      } else if (ch === '}') {
        if (!nested) fail('unmatched }');
        break;
      } else if (ch === '#' && inPlural) {
        flush();
        out.push({ kind: 'pound' });
        at++;
      } else {
        text += ch;
        at++;
      }
    }
    flush();
    return out;
  }

  function argument(): MessageNode {
    const name = word();
    if (!NAME.test(name)) fail(`bad argument name ${JSON.stringify(name)}`);
    skipSpace();
    if (source[at] === '}') {
      at++;
      return { kind: 'argument', name };
    }
    if (source[at] !== ',') fail('expected , or }');
    at++;
    const type = word();
    if (type !== 'plural' && type !== 'select') fail(`unsupported argument type ${JSON.stringify(type)} (plural and select only)`);
    skipSpace();
    if (source[at] !== ',') fail('expected ,');
    at++;
    const options: Record<string, MessageNode[]> = {};
    for (;;) {
      skipSpace();
      if (source[at] === '}') {
        at++;
        break;
      }
      const selector = word();
      if (!selector) fail('expected a selector');
      if (selector in options) fail(`duplicate selector ${selector}`);
      if (type === 'plural' && !/^(=\d+|zero|one|two|few|many|other)$/.test(selector)) fail(`bad plural selector ${selector}`);
      skipSpace();
      if (source[at] !== '{') fail(`expected { after ${selector}`);
      at++;
      options[selector] = nodes(type === 'plural', true);
      if (source[at] !== '}') fail('unterminated option');
      at++;
    }
    if (!('other' in options)) fail(`${type} of ${name} needs an "other" option`);
    return { kind: type, name, options };
  }

  const parsed = nodes(false, false);
  return parsed;
}

/** Every argument a message reads, with the kind of value it needs. */
export function messageArguments(nodes: MessageNode[], into = new Map<string, 'any' | 'number'>()): Map<string, 'any' | 'number'> {
  for (const node of nodes) {
    if (node.kind === 'argument') {
      if (!into.has(node.name)) into.set(node.name, 'any');
    } else if (node.kind === 'plural' || node.kind === 'select') {
      if (node.kind === 'plural') into.set(node.name, 'number');
      else if (!into.has(node.name)) into.set(node.name, 'any');
      for (const option of Object.values(node.options)) messageArguments(option, into);
    }
  }
  return into;
}

/** Plural categories (one, few, …) the message's plurals name, for checking against a locale. */
export function pluralCategoriesUsed(nodes: MessageNode[]): Set<string>[] {
  const found: Set<string>[] = [];
  for (const node of nodes) {
    if (node.kind === 'plural') found.push(new Set(Object.keys(node.options).filter((k) => !k.startsWith('='))));
    if (node.kind === 'plural' || node.kind === 'select') {
      for (const option of Object.values(node.options)) found.push(...pluralCategoriesUsed(option));
    }
  }
  return found;
}

export interface FormatOptions<V> {
  locale: string;
  /** applied to every string argument (e.g. Unicode isolation in right-to-left text) */
  wrapArgument?: (value: string) => string;
  /** what a non-string, non-number value becomes among the parts (a React node) */
  isRich?: (value: unknown) => value is V;
}

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function rulesFor(locale: string): Intl.PluralRules {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules;
}

function numberFormatFor(locale: string): Intl.NumberFormat {
  let format = numberFormats.get(locale);
  if (!format) numberFormats.set(locale, (format = new Intl.NumberFormat(locale)));
  return format;
}

/**
 * Format into parts: strings (adjacent ones joined) and rich values as given. A missing
 * argument throws: a template that forgets one fails its test instead of mailing "{name}".
 */
export function formatMessageParts<V>(
  nodes: MessageNode[],
  values: Record<string, unknown>,
  options: FormatOptions<V>,
  pound?: number,
): (string | V)[] {
  const parts: (string | V)[] = [];
  const push = (part: string | V) => {
    if (typeof part === 'string' && typeof parts[parts.length - 1] === 'string') parts[parts.length - 1] += part;
    else if (part !== '') parts.push(part);
  };
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        push(node.value);
        break;
      case 'pound':
        push(pound === undefined ? '#' : numberFormatFor(options.locale).format(pound));
        break;
      case 'argument': {
        const value = read(values, node.name);
        if (typeof value === 'number') push(numberFormatFor(options.locale).format(value));
        else if (typeof value === 'string') push(options.wrapArgument ? options.wrapArgument(value) : value);
        else if (options.isRich?.(value)) push(value);
        else throw new Error(`argument ${node.name} must be a string or number`);
        break;
      }
      case 'plural': {
        const value = read(values, node.name);
        if (typeof value !== 'number') throw new Error(`argument ${node.name} must be a number (plural)`);
        const chosen = node.options[`=${value}`] ?? node.options[rulesFor(options.locale).select(value)] ?? node.options.other;
        for (const part of formatMessageParts(chosen, values, options, value)) push(part);
        break;
      }
      case 'select': {
        const value = String(read(values, node.name));
        const chosen = Object.prototype.hasOwnProperty.call(node.options, value) ? node.options[value] : node.options.other;
        for (const part of formatMessageParts(chosen, values, options, pound)) push(part);
        break;
      }
    }
  }
  return parts;
}

function read(values: Record<string, unknown>, name: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(values, name) || values[name] === undefined || values[name] === null) {
    throw new Error(`missing argument ${name}`);
  }
  return values[name];
}
