import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, toPlainText } from '@react-email/render';
import { createElement, type ReactElement } from 'react';
import { htmlToPlainText, renderEmailHtml, renderTemplate } from '../../activities/email/render';
import { templates, type TemplateName, type TemplateProps } from '../../emails';
import { createI18n, shippedLanguages } from '../../emails/i18n';

const names = Object.keys(templates) as TemplateName[];

test('each email renders its React tree once: the plain text comes from the same HTML', async () => {
  const registry = templates as unknown as Record<string, (props: unknown) => unknown>;
  const original = registry['abandoned-cart'];
  let calls = 0;
  const counted = Object.assign((props: unknown) => {
    calls++;
    return original(props);
  }, original);
  registry['abandoned-cart'] = counted;
  try {
    const email = await renderTemplate('abandoned-cart', templates['abandoned-cart'].PreviewProps);
    assert.match(email.text, /Return to your cart/);
  } finally {
    registry['abandoned-cart'] = original;
  }
  assert.equal(calls, 1, 'the template component ran once');
});

test("every template's plain text is React Email's own plain-text rendering", async () => {
  for (const name of names) {
    const props = templates[name].PreviewProps as TemplateProps[TemplateName];
    const email = await renderTemplate(name, props);
    const reference = await render(createElement(templates[name] as (p: typeof props) => React.ReactElement, props), { plainText: true });
    assert.equal(email.text, reference, name);
  }
});

test("the compiled plain-text converter gives React Email's toPlainText byte for byte, every template in every language", async () => {
  let compared = 0;
  for (const name of names) {
    for (const language of shippedLanguages) {
      const preview = templates[name].PreviewProps as TemplateProps[TemplateName];
      const props = { ...preview, context: { ...preview.context, i18n: createI18n({ customerLocale: language }) } };
      const html = await render(createElement(templates[name] as (p: typeof props) => React.ReactElement, props));
      assert.equal(htmlToPlainText(html), toPlainText(html), `${name} (${language})`);
      compared++;
    }
  }
  assert.equal(compared, names.length * shippedLanguages.length);
});

test('plain text keeps links, headings and buttons readable', async () => {
  const email = await renderTemplate('abandoned-cart', templates['abandoned-cart'].PreviewProps);
  // the heading stands out, the product links and the button keep their target after the label
  assert.match(email.text, /^YOU LEFT SOMETHING BEHIND$/m);
  assert.match(email.text, /Sencha green tea, 100 g https:\/\/shop\.example\.com\/p\/tea-sencha/);
  assert.match(email.text, /Return to your cart https:\/\/shop\.example\.com\/cart\/c-81723/);
  assert.match(email.text, /Unsubscribe https:\/\/shop\.example\.com\/u\/preview-token/);
  assert.doesNotMatch(email.text, /<[a-z]/i, 'no markup left');
  assert.doesNotMatch(email.text, /\{\s*[a-z-]+:/, 'no CSS left');
});

test("the send path's HTML is React Email's render() byte for byte, every template in every language", async () => {
  let compared = 0;
  for (const name of names) {
    for (const language of shippedLanguages) {
      const preview = templates[name].PreviewProps as TemplateProps[TemplateName];
      const props = { ...preview, context: { ...preview.context, i18n: createI18n({ customerLocale: language }) } };
      const element = () => createElement(templates[name] as (p: typeof props) => ReactElement, props);
      const email = await renderTemplate(name, props);
      assert.equal(email.html, await render(element()), `${name} (${language})`);
      compared++;
    }
  }
  assert.equal(compared, names.length * shippedLanguages.length);
});

test("React's image preload hints are dropped as React Email drops them, other links kept", async () => {
  const page = () =>
    createElement(
      'html',
      null,
      createElement('head', null, createElement('link', { rel: 'stylesheet', href: 'https://shop.example.com/a.css' })),
      createElement('body', null, createElement('img', { src: 'https://shop.example.com/tea.png', alt: 'tea' })),
    );
  const html = await renderEmailHtml(page());
  assert.equal(html, await render(page()));
  assert.doesNotMatch(html, /rel="preload"/);
  assert.match(html, /rel="stylesheet"/);
});

test('a template that throws fails the render, as with render()', async () => {
  const Broken = (): ReactElement => {
    throw new Error('no such product');
  };
  await assert.rejects(render(createElement(Broken)), /no such product/);
  await assert.rejects(renderEmailHtml(createElement(Broken)), /no such product/);
});
