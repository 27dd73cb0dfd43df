import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { templates, type TemplateName, type TemplateProps } from '../../emails';
import { previewContext, previewContextIn } from '../../emails/components/preview-fixtures';

const render = <T extends TemplateName>(name: T, props: TemplateProps[T]) => renderTemplate(name, props);
const transactional = { ...previewContext, unsubscribeUrl: undefined };

describe('order templates', () => {
  test('order confirmation renders its preview with every item and the total', async () => {
    const email = await render('order-confirmation', templates['order-confirmation'].PreviewProps);
    assert.match(email.text, /Sencha green tea, 100 g/);
    assert.match(email.text, /Tokoname kyusu teapot/);
    assert.match(email.text, /SO-10482/);
    assert.match(email.text, /€93\.95/);
    assert.match(email.subject, /Order SO-10482 confirmed — €93\.95/);
  });

  test('order confirmation formats money for the customer locale and shows line totals', async () => {
    const email = await render('order-confirmation', {
      context: { ...previewContextIn('de-DE'), unsubscribeUrl: undefined, firstName: 'Jonas' },
      orderId: 'A-77',
      placedAt: '2026-05-02T10:00:00.000Z',
      items: [{ productId: 'mug', title: 'Steingut-Becher', price: 14.5, quantity: 3, currency: 'EUR' }],
      total: 1234.5,
      currency: 'EUR',
    });
    assert.match(email.text, /Hallo Jonas,/);
    assert.match(email.text, /Steingut-Becher/);
    assert.match(email.text, /1\.234,50\s€/, 'German grouping and decimal comma');
    assert.match(email.text, /43,50\s€/, 'line total = 3 × 14,50 €');
    assert.match(email.text, /2\. Mai 2026/, 'order date in German');
    assert.doesNotMatch(email.html, /Abmelden/, 'transactional mail has no unsubscribe link');
    assert.match(email.html, /Journeys Shop, 1 Example Street/, 'postal address in the footer');
  });

  test('shipping notice shows carrier, tracking number and the tracking link', async () => {
    const preview = templates['order-shipped'].PreviewProps;
    const email = await render('order-shipped', preview);
    assert.match(email.text, /DHL/);
    assert.match(email.text, /JD014600006281230704/);
    assert.ok(email.links.includes(preview.trackingUrl!), 'tracking URL is a link in the email');
    assert.equal(email.subject, 'Order SO-10482 has shipped with DHL');

    const custom = await render('order-shipped', {
      context: transactional,
      orderId: 'B-9',
      items: [{ productId: 'x', title: 'Linen apron', price: 30, quantity: 1, currency: 'GBP' }],
      carrier: 'Royal Mail',
      trackingUrl: 'https://track.example.com/RM123?lang=en&x=1',
    });
    assert.ok(custom.links.includes('https://track.example.com/RM123?lang=en&x=1'));
    assert.match(custom.text, /Royal Mail/);
    assert.match(custom.text, /Linen apron/);
    assert.match(custom.text, /£30\.00/);
  });

  test('shipping notice without tracking details says it shipped and offers no tracking button', async () => {
    const email = await render('order-shipped', {
      context: transactional,
      orderId: 'C-1',
      items: [{ productId: 'x', title: 'Linen apron', price: 30, quantity: 1, currency: 'EUR' }],
    });
    assert.match(email.text, /order C-1 has shipped/i);
    assert.doesNotMatch(email.text, /Track your parcel/);
    assert.equal(email.subject, 'Order C-1 has shipped');
  });

  test('delivered notice renders its preview with the order id and items', async () => {
    const email = await render('order-delivered', templates['order-delivered'].PreviewProps);
    assert.match(email.text, /SO-10482 has been delivered/);
    assert.match(email.text, /Tokoname kyusu teapot/);
    assert.equal(email.subject, 'Order SO-10482 has been delivered');
  });
});

describe('abandoned cart templates', () => {
  test('cart reminder renders its preview with items, prices and the cart link', async () => {
    const preview = templates['abandoned-cart'].PreviewProps;
    const email = await render('abandoned-cart', preview);
    assert.match(email.text, /Sencha green tea, 100 g/);
    assert.match(email.text, /€25\.00/, '2 × €12.50');
    assert.ok(email.links.includes(preview.cartUrl));
    assert.ok(email.links.includes('https://shop.example.com/p/tea-sencha'), 'product link');
    assert.match(email.html, /Unsubscribe/, 'marketing mail carries the unsubscribe link');
    assert.equal(email.subject, 'Still thinking about Sencha green tea, 100 g?');
  });

  test('cart reminder names the first item and counts the rest in the subject', async () => {
    const email = await render('abandoned-cart', {
      context: previewContext,
      cartUrl: 'https://shop.example.com/cart/9',
      items: [
        { productId: 'a', title: 'Cast iron pan', price: 80, quantity: 1, currency: 'EUR' },
        { productId: 'b', title: 'Wooden spatula', price: 9, quantity: 2, currency: 'EUR' },
        { productId: 'c', title: 'Pan oil', price: 12, quantity: 1 },
      ],
    });
    assert.equal(email.subject, 'Still thinking about Cast iron pan and 2 more?');
    assert.match(email.text, /Wooden spatula/);
    assert.match(email.text, /Pan oil/);
  });

  test('discount reminder shows the coupon code, percentage and expiry date', async () => {
    const preview = templates['abandoned-cart-discount'].PreviewProps;
    const email = await render('abandoned-cart-discount', preview);
    assert.match(email.text, /CART-Q7RT-2MXK-9HWP/);
    assert.match(email.text, /10% off/);
    assert.match(email.text, /17 March 2026/);
    assert.ok(email.links.includes(preview.cartUrl));
    assert.equal(email.subject, '10% off your cart — code expires 17 March 2026');
  });
});

describe('back in stock template', () => {
  test('alert renders its preview with the product, its price and its link', async () => {
    const preview = templates['back-in-stock'].PreviewProps;
    const email = await render('back-in-stock', preview);
    assert.match(email.text, /Tokoname kyusu teapot/);
    assert.match(email.text, /€64\.00/);
    assert.ok(email.links.includes('https://shop.example.com/p/kyusu-pot'));
    assert.equal(email.subject, 'Back in stock: Tokoname kyusu teapot');
  });

  test('alert formats the price in the product currency for the customer locale', async () => {
    const email = await render('back-in-stock', {
      context: { ...previewContextIn('fr-FR'), unsubscribeUrl: undefined },
      items: [{ productId: 'p', title: 'Théière en fonte', price: 1049.9, currency: 'EUR', url: 'https://shop.example.com/p/p' }],
    });
    assert.match(email.text, /Théière en fonte/);
    assert.match(email.text, /1\s049,90\s€/);
  });
});
