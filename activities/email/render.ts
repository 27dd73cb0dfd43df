import { render, toPlainText } from '@react-email/render';
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
 * Renders the React tree once; the plain-text part is React Email's own conversion of that
 * HTML (what `render(…, { plainText: true })` does after rendering the tree a second time):
 * links kept as "text url", headings set apart, images and `data-skip-in-text` parts dropped.
 */
export async function renderTemplate<T extends TemplateName>(name: T, props: TemplateProps[T]): Promise<RenderedEmail> {
  const entry = templates[name];
  const html = await render(createElement(entry as (p: TemplateProps[T]) => React.ReactElement, props));
  return { subject: entry.subject(props), html, text: toPlainText(html), links: extractLinks(html) };
}

function extractLinks(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/href="(https?:\/\/[^"]+)"/g)) found.add(match[1].replace(/&amp;/g, '&'));
  return [...found];
}
