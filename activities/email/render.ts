import { plainTextSelectors } from '@react-email/render';
import { compile } from 'html-to-text';
import { createElement, Suspense, type ReactElement } from 'react';
import { renderToReadableStream } from 'react-dom/server';
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

const XHTML_DOCTYPE =
  '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">';

/**
 * React Email's `render()` (@react-email/render 2.x, its Node build), step for step, with
 * `react-dom/server` imported once here instead of by an `await import()` on every call.
 * Under tsx (`npm run worker`, the dev stack, the bench) each of those imports is a round trip
 * to the loader-hooks thread: about half the cost of rendering an email (0.55–0.7 ms of
 * 1.1–1.6 ms CPU; plain Node, as the Docker image runs, about 0.1 ms). Same call, same
 * options, same clean-up, so the same bytes: test/emails/render-once.test.ts compares it with
 * `render()` for every template in every language. Its error boundary is left out: a server
 * render never calls `componentDidCatch`, the error reaches `onError` either way.
 */
export async function renderEmailHtml(element: ReactElement): Promise<string> {
  let failed: { error: unknown } | undefined;
  const stream = await renderToReadableStream(createElement(Suspense, null, element), {
    progressiveChunkSize: Number.POSITIVE_INFINITY,
    onError(error) {
      failed ??= { error };
    },
  });
  await stream.allReady;
  if (failed) {
    await stream.cancel().catch(() => undefined);
    throw failed.error;
  }
  let html = '';
  const decoder = new TextDecoder('utf-8');
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    html += decoder.decode(value, { stream: true });
  }
  html += decoder.decode();
  return `${XHTML_DOCTYPE}${stripImagePreloadLinks(html).replace(/<!DOCTYPE.*?>/, '')}`;
}

/** React's `<link rel="preload" as="image">` hints for every `<img>`: dead weight in an email (React Email drops them too). */
function stripImagePreloadLinks(html: string): string {
  return html.replace(/<link\b[^>]*\/?>/gi, (tag) => {
    const attributes = tagAttributes(tag);
    return attributes.rel === 'preload' && attributes.as === 'image' ? '' : tag;
  });
}

const ATTRIBUTE_PATTERN = /([a-z][a-z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi;

function tagAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, doubleQuoted, singleQuoted, unquoted] of tag.replace(/^<[a-z][a-z0-9-]*/i, '').matchAll(ATTRIBUTE_PATTERN)) {
    attributes[name.toLowerCase()] = doubleQuoted ?? singleQuoted ?? unquoted ?? '';
  }
  return attributes;
}

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
  const html = await renderEmailHtml(createElement(entry as (p: TemplateProps[T]) => React.ReactElement, props));
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
