import { plainTextSelectors, render } from '@react-email/render';
import { compile } from 'html-to-text';
import { createElement } from 'react';
import { templates, type TemplateName, type TemplateProps } from '../../emails';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** every http(s) link in the message: the click redirect only follows these */
  links: string[];
}

export function isTemplateName(name: string): name is TemplateName {
  return Object.prototype.hasOwnProperty.call(templates, name);
}

/**
 * React Email's `toPlainText` (no word wrap, its selectors), compiled once: `convert` builds its
 * formatters and selector picker anew on every call, which was most of the plain-text cost
 * (0.67 ms → 0.18 ms an email). test/emails/render-once.test.ts holds it byte-identical to
 * `toPlainText` for every template in every language.
 */
export const htmlToPlainText: (html: string) => string = compile({ wordwrap: false, selectors: plainTextSelectors });

/** U+200F RIGHT-TO-LEFT MARK: gives a plain-text line a right-to-left base direction. */
const RLM = '\u200f';

/**
 * Renders the React tree once; the plain-text part is React Email's own conversion of that
 * HTML (what `render(…, { plainText: true })` does after rendering the tree a second time):
 * links kept as "text url", headings set apart, images and `data-skip-in-text` parts dropped.
 * Plain text has no `dir`: in a right-to-left language every line starts with an RLM, so a
 * line that opens with a Latin name, a code or a URL still reads from the right.
 */
export async function renderTemplate<T extends TemplateName>(name: T, props: TemplateProps[T]): Promise<RenderedEmail> {
  const entry = templates[name];
  const html = await render(createElement(entry as (p: TemplateProps[T]) => React.ReactElement, props));
  let text = htmlToPlainText(html);
  let subject = entry.subject(props);
  if (props.context.i18n.dir === 'rtl') {
    text = text
      .split('\n')
      .map((line) => (line.trim() ? RLM + line : line))
      .join('\n');
    subject = RLM + subject;
  }
  return { subject, html, text, links: extractLinks(html) };
}

function extractLinks(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/href="(https?:\/\/[^"]+)"/g)) found.add(match[1].replace(/&amp;/g, '&'));
  return [...found];
}
