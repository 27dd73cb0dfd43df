import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';
import type { ReceivedEmail } from '../helpers/fake-resend';

/**
 * The core shop journeys over HTTP: real API, Postgres, Temporal dev server, worker and the
 * resend SDK against the fake Resend. Real time passes here, so the cart's first reminder is
 * configured to come after 2 seconds; everything else keeps its default.
 */
describe('core shop journeys over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ journeys: { abandonedCart: { firstReminderAfter: '2 seconds' } } });
  });
  after(async () => {
    await h?.close();
  });

  const emailTo = (address: string, subject: RegExp, timeoutMs = 30_000) =>
    eventually(
      async () => h.resend.emails.find((e) => e.body.to[0] === address && subject.test(e.body.subject)),
      timeoutMs,
      `an email to ${address} matching ${subject}`,
    );
  const putCustomer = async (id: string, body: Record<string, unknown>) =>
    assert.equal((await h.request('PUT', `/v1/customers/${id}`, body)).status, 201);
  const putProduct = async (id: string, title: string, stock: number, price = 64) => {
    const res = await h.request('PUT', `/v1/products/${id}`, { title, price, url: `https://shop.example.com/p/${id}`, stock });
    assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    return res.body as { restocked: boolean };
  };
  /** The links the message really contained (the email itself carries click-tracking redirects to them). */
  const linksOf = async (email: ReceivedEmail): Promise<string[]> =>
    (await h.db.query('SELECT links FROM messages WHERE idempotency_key = $1', [email.idempotencyKey])).rows[0].links;
  const post = async (event: Record<string, unknown>) => assert.equal((await h.request('POST', '/v1/events', event)).status, 202);

  test('order.placed → shipped → delivered mails confirmation, tracking and delivery, without marketing consent', async () => {
    await putCustomer('it-order', { email: 'order@example.com', firstName: 'Jonas', locale: 'de-DE', marketingConsent: false });
    await post({
      type: 'order.placed',
      customerId: 'it-order',
      properties: {
        orderId: 'IT-1001',
        total: 1093.95,
        currency: 'EUR',
        items: [
          { productId: 'tea', title: 'Sencha 100 g', price: 14.99, quantity: 2 },
          { productId: 'pot', title: 'Gusseisen-Kanne', price: 1063.97, quantity: 1 },
        ],
      },
    });
    const confirmation = await emailTo('order@example.com', /IT-1001 bestätigt/);
    assert.match(confirmation.body.subject, /^Bestellung IT-1001 bestätigt – 1\.093,95\s€$/, 'in German, the total in the German format');
    assert.equal(confirmation.idempotencyKey, 'order/IT-1001/order-confirmation');
    assert.match(confirmation.body.text, /Hallo Jonas,/);
    assert.match(confirmation.body.text, /Sencha 100 g/);
    assert.match(confirmation.body.text, /29,98\s€/, 'line total in the German format');
    assert.equal(confirmation.body.headers?.['List-Unsubscribe'], undefined, 'transactional: no unsubscribe header');

    await post({
      type: 'order.shipped',
      customerId: 'it-order',
      properties: { orderId: 'IT-1001', carrier: 'DHL', trackingNumber: 'JD0001', trackingUrl: 'https://track.example.com/JD0001' },
    });
    const shipping = await emailTo('order@example.com', /verschickt/);
    assert.equal(shipping.body.subject, 'Bestellung IT-1001 wurde mit DHL verschickt');
    assert.ok((await linksOf(shipping)).includes('https://track.example.com/JD0001'), 'tracking link in the email');
    assert.match(shipping.body.text, /JD0001/);

    await post({ type: 'order.delivered', customerId: 'it-order', properties: { orderId: 'IT-1001' } });
    const delivered = await emailTo('order@example.com', /zugestellt/);
    assert.equal(delivered.body.subject, 'Bestellung IT-1001 wurde zugestellt');

    // The email reaches the fake Resend before the send path records its answer: read the log once it has.
    const sent = await eventually(async () => {
      const log = await h.request('GET', '/v1/messages?customerId=it-order');
      const rows = (log.body.messages as { template: string; category: string; status: string }[])
        .filter((m) => m.template.startsWith('order-'))
        .map((m) => [m.template, m.category, m.status])
        .sort();
      return rows.every((r) => r[2] !== 'pending') && rows;
    }, 15_000, 'the order emails recorded');
    assert.deepEqual(sent, [
      ['order-confirmation', 'transactional', 'sent'],
      ['order-delivered', 'transactional', 'sent'],
      ['order-shipped', 'transactional', 'sent'],
    ]);
  });

  test('an abandoned cart gets its first reminder with only the items still in stock', async () => {
    await putCustomer('it-cart', { email: 'cart@example.com', firstName: 'Ada', marketingConsent: true });
    await putProduct('it-tea', 'Sencha green tea', 10, 12.5);
    await putProduct('it-kettle', 'Copper kettle', 0, 89);
    await post({
      type: 'cart.updated',
      customerId: 'it-cart',
      properties: {
        cartId: 'cart-it',
        cartUrl: 'https://shop.example.com/cart/it',
        items: [
          { productId: 'it-tea', title: 'Sencha green tea', price: 12.5, quantity: 2 },
          { productId: 'it-kettle', title: 'Copper kettle', price: 89, quantity: 1 },
        ],
      },
    });
    const reminder = await emailTo('cart@example.com', /Still thinking/);
    assert.equal(reminder.body.subject, 'Still thinking about Sencha green tea?');
    assert.match(reminder.body.text, /Sencha green tea/);
    assert.match(reminder.body.text, /€25\.00/);
    assert.doesNotMatch(reminder.body.text, /Copper kettle/, 'sold-out item left out');
    assert.ok((await linksOf(reminder)).includes('https://shop.example.com/cart/it'), 'link back to the cart');
    assert.match(reminder.idempotencyKey ?? '', /^abandoned-cart\/it-cart\/first-reminder\/evt_/);
    assert.equal(reminder.body.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  });

  test('a restock alerts waiting subscribers in batches of 3 per unit, oldest first', async () => {
    await putProduct('it-pot', 'Tokoname kyusu', 0);
    const customers = ['bis-1', 'bis-2', 'bis-3', 'bis-4', 'bis-5'];
    for (const [i, id] of customers.entries()) {
      await putCustomer(id, { email: `${id}@example.com` });
      await post({
        type: 'back_in_stock.requested',
        customerId: id,
        occurredAt: new Date(Date.now() - (10 - i) * 60_000).toISOString(),
        properties: { productId: 'it-pot' },
      });
    }
    await eventually(async () => {
      const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM back_in_stock_subscriptions WHERE product_id = 'it-pot'`);
      return rows[0].n === 5;
    });
    // the journeys must be waiting before the restock arrives
    await eventually(async () => {
      for (const id of customers) {
        const state = await h.request('GET', `/v1/customers/${id}/journeys`);
        const journey = (state.body.journeys as { step: string }[] | undefined)?.[0];
        if (journey?.step !== 'waiting-for-restock') return false;
      }
      return true;
    }, 30_000, 'subscribers waiting');

    const restock = await putProduct('it-pot', 'Tokoname kyusu', 1);
    assert.equal(restock.restocked, true);
    const alerts: ReceivedEmail[] = [];
    for (const id of customers.slice(0, 3)) alerts.push(await emailTo(`${id}@example.com`, /Back in stock/));
    for (const alert of alerts) {
      assert.equal(alert.body.subject, 'Back in stock: Tokoname kyusu');
      assert.ok((await linksOf(alert)).includes('https://shop.example.com/p/it-pot'), 'link to the product');
      assert.match(alert.body.text, /€64\.00/);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const toLater = h.resend.emails.filter((e) => ['bis-4@example.com', 'bis-5@example.com'].includes(e.body.to[0]));
    assert.equal(toLater.length, 0, 'the next batch waits for the batch interval');
    const { rows } = await h.db.query(
      `SELECT customer_id, status FROM back_in_stock_subscriptions WHERE product_id = 'it-pot' ORDER BY customer_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.customer_id, r.status]),
      [['bis-1', 'notified'], ['bis-2', 'notified'], ['bis-3', 'notified'], ['bis-4', 'waiting'], ['bis-5', 'waiting']],
    );
  });
});
