import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmailPreview, type EmailPreview } from '../../dev/email-preview';
import { templates } from '../../emails';
import { previewContext } from '../../emails/components/preview-fixtures';
import { escapeHtml } from '../../api/html';

/** `npm run email:preview`: every template, with its PreviewProps, as HTML and as text. */
let preview: EmailPreview;
before(async () => {
  preview = await startEmailPreview();
});
after(() => preview?.close());

test('the index shows every template with its subject line', async () => {
  const res = await fetch(preview.url);
  assert.equal(res.status, 200);
  const html = await res.text();
  for (const [name, template] of Object.entries(templates)) {
    assert.ok(html.includes(`<iframe src="/${name}"`), `${name} on the index`);
    assert.ok(html.includes(escapeHtml(template.subject(template.PreviewProps as never))), `${name} subject`);
  }
});

test('each template renders its PreviewProps to HTML and plain text, footer included', async () => {
  for (const name of Object.keys(templates)) {
    const html = await fetch(`${preview.url}/${name}`);
    assert.equal(html.status, 200, name);
    const body = await html.text();
    assert.match(body, /^<!DOCTYPE html/i, name);
    assert.ok(body.includes(previewContext.postalAddress), `${name} has the footer`);
    const text = await (await fetch(`${preview.url}/${name}.txt`)).text();
    assert.ok(text.includes(previewContext.postalAddress), `${name} text part`);
  }
  assert.equal((await fetch(`${preview.url}/no-such-template`)).status, 404);
});

test('?locale= shows a template in another language, Arabic right to left', async () => {
  const html = await (await fetch(`${preview.url}/welcome?locale=ar`)).text();
  assert.match(html, /<html[^>]*dir="rtl"/);
  assert.match(html, /أهلًا بك في/);
  const text = await (await fetch(`${preview.url}/order-confirmation.txt?locale=de-DE`)).text();
  assert.match(text, /Hallo Ada,/);
  assert.match(text, /VIELEN DANK FÜR IHRE BESTELLUNG/);
  const index = await (await fetch(`${preview.url}/?locale=fr`)).text();
  assert.match(index, /href="\/welcome\?locale=fr"/);
});
