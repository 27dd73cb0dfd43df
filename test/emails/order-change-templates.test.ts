import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../activities/email/render';
import { previewContext, previewContextIn } from '../../emails/components/preview-fixtures';
import type { OrderChangeEmailProps } from '../../emails/OrderChangeEmail';

const transactional = { ...previewContext, unsubscribeUrl: undefined };
const render = (props: Omit<OrderChangeEmailProps, 'context'>, context = transactional) => renderTemplate('order-change', { context, ...props });

describe('order change notices (cancellation, refund, return)', () => {
  test('a partial refund names the amount in the customer’s format and the refunded products', async () => {
    const email = await render({ kind: 'refunded', orderId: 'SO-7', items: [{ title: 'Sencha green tea', quantity: 1 }], refund: { amount: 12.5, currency: 'EUR' } });
    assert.equal(email.subject, 'Your refund of €12.50 for order SO-7');
    assert.match(email.text, /We have refunded €12\.50 for your order SO-7/);
    assert.match(email.text, /1 × Sencha green tea/);
    assert.doesNotMatch(email.html, /Unsubscribe/, 'transactional: no unsubscribe link');
  });

  test('a whole-order cancellation says nothing will be charged and lists no lines', async () => {
    const email = await render({ kind: 'cancelled', orderId: 'SO-8', items: [] });
    assert.equal(email.subject, 'Order SO-8 has been cancelled');
    assert.match(email.text, /We have cancelled your order SO-8\. You will not be charged/);
    assert.doesNotMatch(email.text, / × /);
  });

  test('a partial cancellation says the rest comes as planned and lists what was cancelled', async () => {
    const email = await render({ kind: 'cancelled', orderId: 'SO-9', items: [{ title: 'Kyusu teapot', quantity: 2 }] });
    assert.match(email.text, /We have cancelled part of your order SO-9; the rest comes as planned/);
    assert.match(email.text, /2 × Kyusu teapot/);
  });

  test('a return notice thanks the customer and promises word of the refund', async () => {
    const email = await render({ kind: 'returned', orderId: 'SO-10', items: [] });
    assert.equal(email.subject, 'We have received your return for order SO-10');
    assert.match(email.text, /Your return for order SO-10 has arrived/);
  });

  test('in German the amount and the copy are German', async () => {
    const email = await render({ kind: 'refunded', orderId: 'SO-11', items: [], refund: { amount: 1093.95, currency: 'EUR' } }, { ...previewContextIn('de-DE'), unsubscribeUrl: undefined });
    assert.match(email.subject, /^Ihre Erstattung von 1\.093,95\s€ für Bestellung SO-11$/);
  });
});
