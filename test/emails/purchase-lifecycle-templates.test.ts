import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { templates, type TemplateName, type TemplateProps } from '../../emails';
import { previewContext, previewContextIn } from '../../emails/components/preview-fixtures';

const render = <T extends TemplateName>(name: T, props: TemplateProps[T]) => renderTemplate(name, props);
const coupon = { code: 'WINBACK-AB2C-DE3F-GH4J', percentOff: 15, expiresAt: '2026-07-14T10:00:00.000Z' };

describe('post-purchase, win-back and VIP templates', () => {
  test('every template renders its preview with the marketing footer', async () => {
    const names = ['post-purchase-thank-you', 'review-request', 'cross-sell', 'win-back', 'win-back-last-chance', 'vip-invitation'] as const;
    for (const name of names) {
      const email = await render(name, templates[name].PreviewProps as never);
      assert.ok(email.subject.length > 5, `${name} has a subject`);
      assert.match(email.html, /Journeys Shop, 1 Example Street/, `${name} shows the postal address`);
      assert.ok(email.links.includes(previewContext.unsubscribeUrl!), `${name} links to unsubscribe`);
    }
  });

  test('the thank-you for a first order welcomes a new customer and names what they bought', async () => {
    const email = await render('post-purchase-thank-you', {
      context: previewContext,
      orderId: 'SO-1',
      firstPurchase: true,
      items: [
        { title: 'Sencha green tea', quantity: 2 },
        { title: 'Kyusu teapot', quantity: 1 },
      ],
    });
    assert.equal(email.subject, 'Thank you for your first order, Ada!');
    assert.match(email.html, /Thank you for your first order!/);
    assert.match(email.text, /chose Journeys Shop for your first order \(SO-1\)/);
    assert.match(email.text, /2 × Sencha green tea and Kyusu teapot/);
    assert.doesNotMatch(email.text, /again/);
  });

  test('the thank-you for a repeat order says "again", not "first"', async () => {
    const email = await render('post-purchase-thank-you', {
      context: { ...previewContext, firstName: undefined },
      orderId: 'SO-2',
      firstPurchase: false,
      items: [
        { title: 'A', quantity: 1 },
        { title: 'B', quantity: 1 },
        { title: 'C', quantity: 1 },
        { title: 'D', quantity: 1 },
      ],
    });
    assert.equal(email.subject, 'Thanks for ordering again!');
    assert.match(email.text, /Hi there,/);
    assert.match(email.text, /Order SO-2 \(A, B and 2 more\)/);
    assert.doesNotMatch(email.text, /first order/);
  });

  test('the review request links every item to its review page', async () => {
    const email = await render('review-request', {
      context: previewContext,
      orderId: 'SO-3',
      items: [
        { productId: 'kettle', title: 'Glass kettle', reviewUrl: 'https://shop.test/p/kettle' },
        { productId: 'wrap', title: 'Gift wrap', reviewUrl: 'https://shop.test/' },
      ],
    });
    assert.equal(email.subject, 'How do you like your order?');
    assert.match(email.text, /Review Glass kettle/);
    assert.match(email.text, /Review Gift wrap/);
    assert.ok(email.links.includes('https://shop.test/p/kettle'));
    assert.ok(email.links.includes('https://shop.test/'));
    const single = await render('review-request', {
      context: previewContext,
      orderId: 'SO-4',
      items: [{ productId: 'kettle', title: 'Glass kettle', reviewUrl: 'https://shop.test/p/kettle' }],
    });
    assert.equal(single.subject, 'How do you like your Glass kettle?');
  });

  test('the cross-sell shows each suggestion with its price and link', async () => {
    const email = await render('cross-sell', {
      context: previewContextIn('de-DE'),
      boughtTitle: 'Kyusu teapot',
      items: [
        { productId: 'cups', title: 'Hagi cups', url: 'https://shop.test/p/cups', price: 38, currency: 'EUR' },
        { productId: 'tray', title: 'Bamboo tray', url: 'https://shop.test/p/tray', price: 1234.5, currency: 'EUR' },
      ],
    });
    assert.equal(email.subject, 'Passend zu Ihrem Kauf: Kyusu teapot');
    assert.match(email.text, /Hagi cups/);
    assert.match(email.text, /38,00\s€/);
    assert.match(email.text, /1\.234,50\s€/);
    assert.ok(email.links.includes('https://shop.test/p/cups') && email.links.includes('https://shop.test/p/tray'));
  });

  test('the win-back shows the code, its discount and when it expires', async () => {
    const email = await render('win-back', { context: previewContext, coupon });
    assert.equal(email.subject, "We miss you — here's 15% off");
    assert.match(email.text, /WINBACK-AB2C-DE3F-GH4J/);
    assert.match(email.text, /15% off your next order, valid until 14 July 2026/);
  });

  test('the last chance says plainly that offers stop without a reaction', async () => {
    const email = await render('win-back-last-chance', { context: previewContext, coupon });
    assert.equal(email.subject, 'Last chance: 15% off before we say goodbye');
    assert.match(email.text, /WINBACK-AB2C-DE3F-GH4J/);
    assert.match(email.text, /we'll stop sending you offers/);
  });

  test('the VIP invitation shows the exclusive code and the orders that earned it', async () => {
    const email = await render('vip-invitation', {
      context: previewContext,
      coupon: { code: 'VIP-AB2C-DE3F-GH4J', percentOff: 20, expiresAt: '2026-08-01T10:00:00.000Z' },
      orderCount: 5,
    });
    assert.equal(email.subject, "You're a VIP now — 20% off, just for you");
    assert.match(email.text, /5 orders in/);
    assert.match(email.text, /VIP-AB2C-DE3F-GH4J/);
    assert.match(email.text, /20% off your next order, valid until 1 August 2026/);
  });

  test('the thank-you shows a next-order code only when the send path filled one in', async () => {
    const preview = templates['post-purchase-thank-you'].PreviewProps;
    const plain = await render('post-purchase-thank-you', preview);
    assert.doesNotMatch(plain.text, /next order/);
    const withCode = await render('post-purchase-thank-you', { ...preview, coupon });
    assert.match(withCode.text, /As a thank-you, here is 15% off your next order, valid until 14 July 2026:/);
    assert.match(withCode.text, /WINBACK-AB2C-DE3F-GH4J/);
    const german = await render('post-purchase-thank-you', { ...preview, context: previewContextIn('de'), coupon });
    assert.match(german.text, /Als Dankeschön erhalten Sie 15 % Rabatt auf Ihre nächste Bestellung, gültig bis 14\. Juli 2026:/);
  });
});
