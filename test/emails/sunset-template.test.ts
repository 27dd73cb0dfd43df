import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { previewContext, previewContextIn } from '../../emails/components/preview-fixtures';

const keep = 'https://shop.example.com/k/keep-token';

describe('sunset question template', () => {
  test('asks whether to keep writing, with the "keep me" link, the grace period and the unsubscribe footer', async () => {
    const email = await renderTemplate('sunset-check', { context: { ...previewContext, keepSubscribedUrl: keep }, graceAfter: '14 days' });
    assert.equal(email.subject, 'Do you still want to hear from us?');
    assert.match(email.text, /Still want to hear from us\?/i);
    assert.match(email.text, /Yes, keep me subscribed/);
    assert.match(email.text, /within 2 weeks, we'll stop sending you marketing emails/);
    assert.match(email.text, /Order and shipping emails still arrive/);
    assert.ok(email.links.includes(keep), 'the button is the signed keep-me link');
    assert.ok(email.links.includes(previewContext.unsubscribeUrl!), 'the unsubscribe link, as in every marketing email');
    assert.match(email.html, new RegExp(`href="${keep}"`));
  });

  test('in German and Arabic the copy is theirs (Arabic right to left), the grace period in their words', async () => {
    const de = await renderTemplate('sunset-check', { context: { ...previewContextIn('de'), keepSubscribedUrl: keep }, graceAfter: '14 days' });
    assert.equal(de.subject, 'Möchtest du weiterhin von uns hören?');
    assert.match(de.text, /innerhalb von 2 Wochen/);
    const ar = await renderTemplate('sunset-check', { context: { ...previewContextIn('ar'), keepSubscribedUrl: keep }, graceAfter: '14 days' });
    assert.match(ar.subject, /هل ما زلت ترغب في تلقي رسائلنا؟/);
    assert.match(ar.html, /dir="rtl"/);
    assert.ok(ar.links.includes(keep));
  });
});
