import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { templates, type TemplateName, type TemplateProps } from '../../emails';
import { previewContextIn } from '../../emails/components/preview-fixtures';

const render = <T extends TemplateName>(name: T, props: TemplateProps[T]) => renderTemplate(name, props);

describe('abandoned cart: the third reminder ("last chance")', () => {
  test('with an offer: says it is the last reminder, shows the code, its percentage and expiry, the cart and its link', async () => {
    const preview = templates['abandoned-cart-last-chance'].PreviewProps;
    const email = await render('abandoned-cart-last-chance', preview);
    assert.equal(email.subject, 'Last chance: 15% off Sencha green tea, 100 g until 19 March 2026');
    assert.match(email.text, /This is the last time we will remind you about your cart/);
    assert.match(email.text, /CART-L4ST-7NQD-3WZE/);
    assert.match(email.text, /15% off, with a code that is yours alone until 19 March 2026/);
    assert.match(email.text, /Sencha green tea, 100 g/);
    assert.match(email.text, /€25\.00/, '2 × €12.50');
    assert.ok(email.links.includes(preview.cartUrl));
    assert.match(email.html, /Unsubscribe/, 'marketing mail carries the unsubscribe link');
  });

  test('without an offer: no code and no percentage, the plain last-chance subject', async () => {
    const { coupon: _none, ...plain } = templates['abandoned-cart-last-chance'].PreviewProps;
    const email = await render('abandoned-cart-last-chance', plain);
    assert.equal(email.subject, 'Last chance: Sencha green tea, 100 g is still in your cart');
    assert.match(email.text, /last time we will remind you/);
    assert.doesNotMatch(email.text, /CART-|% off/);
  });

  test('in German and Arabic: the last-chance wording from the catalogs', async () => {
    const props = templates['abandoned-cart-last-chance'].PreviewProps;
    const de = await render('abandoned-cart-last-chance', { ...props, context: previewContextIn('de-DE') });
    assert.match(de.subject, /^Letzte Gelegenheit: 15 % Rabatt auf Sencha green tea, 100 g bis 19\. März 2026$/);
    assert.match(de.text, /Dies ist das letzte Mal/);
    const ar = await render('abandoned-cart-last-chance', { ...props, context: previewContextIn('ar') });
    assert.match(ar.subject, /فرصة أخيرة: خصم 15٪/);
    assert.match(ar.html, /dir="rtl"/);
  });
});

describe('welcome: the last nudge', () => {
  test('with bestsellers: each product with its price and link, no code, the end of the series said', async () => {
    const preview = templates['welcome-last-nudge'].PreviewProps;
    const email = await render('welcome-last-nudge', preview);
    assert.equal(email.subject, 'Not sure where to start? Here is what others love');
    assert.match(email.text, /these are what our customers buy most right now/);
    assert.match(email.text, /Sencha green tea, 100 g/);
    assert.match(email.text, /€12\.50/);
    assert.match(email.text, /Tokoname kyusu teapot/);
    assert.match(email.text, /€64\.00/);
    assert.ok(email.links.includes('https://shop.example.com/p/tea-sencha'));
    assert.ok(email.links.includes('https://shop.example.com/p/kyusu-pot'));
    assert.match(email.text, /This is the last email of our welcome series/);
    assert.doesNotMatch(email.text, /WELCOME-|% off/, 'no code this time');
    assert.match(email.html, /Unsubscribe/, 'marketing mail carries the unsubscribe link');
  });

  test('with a content pick: the piece (title, summary, link) and the content subject', async () => {
    const piece = { id: 'tea-green-vs-black', title: 'Green, black, oolong: one plant, three teas', summary: 'How oxidation turns the same leaf into very different teas.', url: 'https://shop.example.com/journal/green-vs-black' };
    const email = await render('welcome-last-nudge', { context: templates['welcome-last-nudge'].PreviewProps.context, piece });
    assert.equal(email.subject, 'Not sure where to start? A good read from Journeys Shop');
    assert.match(email.text, /this is a good place to start/);
    assert.match(email.text, /GREEN, BLACK, OOLONG: ONE PLANT, THREE TEAS/, 'the title as a heading');
    assert.match(email.text, /How oxidation turns the same leaf/);
    assert.ok(email.links.includes(piece.url));
    assert.doesNotMatch(email.text, /buy most right now/);
  });

  test('in French and Thai: the copy from the catalogs', async () => {
    const props = templates['welcome-last-nudge'].PreviewProps;
    const fr = await render('welcome-last-nudge', { ...props, context: previewContextIn('fr-FR') });
    assert.equal(fr.subject, 'Vous ne savez pas par où commencer ? Voici ce que les autres adorent');
    assert.match(fr.text, /64,00\s€/);
    const th = await render('welcome-last-nudge', { ...props, context: previewContextIn('th') });
    assert.match(th.subject, /ไม่รู้จะเริ่มจากตรงไหน/);
  });
});
