import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { templates, type TemplateName, type TemplateProps } from '../../emails';
import { previewContext, previewContextIn } from '../../emails/components/preview-fixtures';

const render = <T extends TemplateName>(name: T, props: TemplateProps[T]) => renderTemplate(name, props);

describe('birthday, lead nurture and replenishment templates', () => {
  test('birthday greeting shows the name, the coupon code, its percentage and expiry, and the unsubscribe footer', async () => {
    const email = await render('birthday', {
      context: { ...previewContext, firstName: 'Grace', locale: 'en-GB' },
      coupon: { code: 'BDAY-ABCD-EFGH', percentOff: 15, expiresAt: '2027-03-14T10:00:00.000Z' },
    });
    assert.equal(email.subject, 'Happy birthday, Grace! 15% off is waiting for you');
    assert.match(email.text, /Happy birthday, Grace!/i);
    assert.match(email.text, /BDAY-ABCD-EFGH/);
    assert.match(email.text, /15% off your next order, valid until 14 March 2027/);
    assert.ok(email.links.includes(previewContext.unsubscribeUrl!), 'marketing mail links its unsubscribe page');
    assert.match(email.html, /1 Example Street/, 'postal address in the footer');
  });

  test('birthday greeting without a first name still reads well', async () => {
    const email = await render('birthday', { ...templates.birthday.PreviewProps, context: { ...previewContext, firstName: undefined } });
    assert.equal(email.subject, 'Happy birthday! 15% off is waiting for you');
    assert.match(email.text, /Happy birthday!/i);
    assert.doesNotMatch(email.text, /undefined/);
  });

  test('a nurture piece shows its title (also the subject), summary and link; only the first says welcome', async () => {
    const piece = {
      id: 'tea-water-temperature',
      title: 'Why boiling water ruins green tea',
      summary: 'A short guide to water temperatures and steeping times.',
      url: 'https://shop.example.com/journal/tea-temperature',
    };
    const first = await render('nurture-piece', { context: previewContext, piece, pieceNumber: 1 });
    assert.equal(first.subject, 'Why boiling water ruins green tea');
    assert.match(first.text, /A short guide to water temperatures/);
    assert.ok(first.links.includes(piece.url));
    assert.match(first.text, /Thanks for telling us what you are interested in/);
    const third = await render('nurture-piece', { context: previewContext, piece, pieceNumber: 3 });
    assert.doesNotMatch(third.text, /Thanks for telling us/);
  });

  test('the replenishment reminder names the product and run-out date and carries reorder, snooze and pick-a-date links', async () => {
    const props = templates.replenishment.PreviewProps;
    const email = await render('replenishment', { ...props, context: previewContextIn('de-DE'), snoozeBy: '10 days' });
    assert.equal(email.subject, 'Geht Ihr House blend coffee beans, 1 kg zur Neige?');
    assert.match(email.text, /um den 1\. März 2026 aufgebraucht/, 'date in the customer locale');
    assert.match(email.text, /10 Tage später erinnern/, 'the snooze duration in words of the language');
    assert.match(email.text, /Datum wählen/);
    const english = await render('replenishment', props);
    assert.match(english.text, /runs out around 1 March 2026/);
    assert.match(english.text, /Remind me in 1 week/);
    assert.match(english.text, /Pick a date/);
    for (const url of [props.items[0].url, props.snoozeUrl, props.rescheduleUrl, previewContext.unsubscribeUrl!]) {
      assert.ok(email.links.includes(url), `links ${url}`);
    }
  });
});
