import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { previewContext, previewContextIn } from '../../emails/components/preview-fixtures';

const kyusu = { productId: 'kyusu', title: 'Tokoname kyusu teapot', price: 64, currency: 'EUR', url: 'https://shop.example.com/p/kyusu' };
const cups = { productId: 'cups', title: 'Hagi cups', price: 38, currency: 'EUR', url: 'https://shop.example.com/p/cups' };

describe('browse abandonment template', () => {
  test('names the latest viewed product, shows viewed and related products with prices and links, and the marketing footer', async () => {
    const email = await renderTemplate('browse-abandonment', { context: previewContext, items: [kyusu], related: [cups] });
    assert.equal(email.subject, 'Still looking at Tokoname kyusu teapot?');
    assert.match(email.text, /The product you looked at is still in stock:/);
    assert.match(email.text, /Tokoname kyusu teapot/);
    assert.match(email.text, /€64\.00/);
    assert.match(email.text, /You might also like/i);
    assert.match(email.text, /Hagi cups/);
    assert.ok(email.links.includes(kyusu.url) && email.links.includes(cups.url));
    assert.ok(email.links.includes(previewContext.unsubscribeUrl!), 'unsubscribe link');
  });

  test('without related products there is no "you might also like"; several viewed products take the plural', async () => {
    const email = await renderTemplate('browse-abandonment', { context: previewContext, items: [kyusu, cups], related: [] });
    assert.match(email.text, /The products you looked at are still in stock:/);
    assert.doesNotMatch(email.text, /You might also like/i);
  });

  test('in Russian the copy is Russian', async () => {
    const email = await renderTemplate('browse-abandonment', { context: previewContextIn('ru'), items: [kyusu], related: [] });
    assert.equal(email.subject, 'Всё ещё присматриваетесь к Tokoname kyusu teapot?');
  });
});
