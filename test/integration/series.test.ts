import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

/**
 * The configurable series over HTTP with the local outbox (no RESEND_API_KEY): real API,
 * Postgres, Temporal dev server and worker. Real time passes, so the series' delays are seconds,
 * and the frequency cap lets the whole series through.
 */
describe('configurable series reach the outbox', () => {
  let h: Harness;
  const outbox = async () => {
    const res = await fetch(`${h.url}/outbox.json`, { headers: { authorization: `Bearer ${h.apiKey}` } });
    return ((await res.json()) as { messages: { id: number; to: string; subject: string; idempotencyKey: string }[] }).messages;
  };
  const outboxHtml = async (id: number) => (await fetch(`${h.url}/outbox/${id}/html`, { headers: { authorization: `Bearer ${h.apiKey}` } })).text();
  const post = async (event: Record<string, unknown>) => assert.equal((await h.request('POST', '/v1/events', event)).status, 202);

  before(async () => {
    h = await startHarness({
      env: { RESEND_API_KEY: '' },
      journeys: {
        abandonedCart: {
          reminders: [
            { after: '2 seconds' },
            { after: '1 second', offer: { percentOff: 10, validity: '48 hours' } },
            { after: '1 second', offer: { percentOff: 15, validity: '24 hours' } },
          ],
        },
        welcome: { reminderAfter: '1 second', lastNudge: { after: '4 seconds', pick: 'bestsellers' } },
        guardrails: { frequencyCapCount: 10 },
      },
    });
  });
  after(async () => {
    await h?.close();
  });

  test('abandoned cart with three reminders: the third, "last chance" with its own 15 % code, is in the outbox', async () => {
    assert.equal((await h.request('PUT', '/v1/customers/it-three', { email: 'three@example.com', firstName: 'Ada', marketingConsent: true })).status, 201);
    const product = await h.request('PUT', '/v1/products/it-sencha', { title: 'Sencha green tea', price: 12.5, url: 'https://shop.example.com/p/it-sencha', stock: 10 });
    assert.ok(product.status === 200 || product.status === 201);
    await post({
      type: 'cart.updated',
      customerId: 'it-three',
      properties: { cartId: 'cart-3', cartUrl: 'https://shop.example.com/cart/3', items: [{ productId: 'it-sencha', title: 'Sencha green tea', price: 12.5, quantity: 1 }] },
    });
    const third = await eventually(
      async () => (await outbox()).find((m) => m.to === 'three@example.com' && /\/third-reminder\//.test(m.idempotencyKey)),
      40_000,
      'the third reminder in the outbox',
    );
    assert.match(third.subject, /^Last chance: 15% off Sencha green tea until /);
    const html = await outboxHtml(third.id);
    assert.match(html, /This is the last time we will remind you about your cart/);
    const code = /CART-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(html)?.[0];
    assert.ok(code, 'the email shows its code');

    const { rows } = await h.db.query(
      `SELECT step, status, coupon_code FROM messages WHERE customer_id = 'it-three' ORDER BY id`,
    );
    assert.deepEqual(rows.map((r) => [r.step, r.status]), [
      ['first-reminder', 'sent'],
      ['second-reminder', 'sent'],
      ['third-reminder', 'sent'],
    ]);
    assert.equal(rows[0].coupon_code, null, 'no code in the first reminder');
    assert.notEqual(rows[1].coupon_code, rows[2].coupon_code, 'the third has a code of its own');
    assert.equal(rows[2].coupon_code, code);
    const coupon = await h.db.query('SELECT percent_off FROM coupons WHERE code = $1', [code]);
    assert.equal(coupon.rows[0].percent_off, 15);
  });

  test('welcome with the last nudge: a customer who has not ordered gets the shop\'s bestseller in the outbox, one who ordered does not', async () => {
    const put = await h.request('PUT', '/v1/products/it-kyusu', { title: 'Tokoname kyusu', price: 64, url: 'https://shop.example.com/p/it-kyusu', stock: 4 });
    assert.ok(put.status === 200 || put.status === 201);
    // someone else's order makes it the bestseller
    await post({
      type: 'order.placed',
      customerId: 'it-someone',
      properties: { orderId: 'it-o-1', total: 128, currency: 'EUR', items: [{ productId: 'it-kyusu', title: 'Tokoname kyusu', price: 64, quantity: 2 }] },
    });
    await eventually(async () => (await h.db.query(`SELECT 1 FROM orders WHERE id = 'it-o-1'`)).rows.length === 1, 10_000, 'the order stored');
    for (const id of ['it-nudged', 'it-buyer']) {
      await post({ type: 'customer.created', customerId: id, properties: { email: `${id}@example.com`, firstName: 'Grace', marketingConsent: true } });
    }
    await eventually(async () => (await outbox()).some((m) => m.idempotencyKey === 'welcome/it-buyer/welcome-reminder'), 20_000, 'the buyer reminded');
    await post({
      type: 'order.placed',
      customerId: 'it-buyer',
      properties: { orderId: 'it-o-2', total: 64, currency: 'EUR', items: [{ productId: 'it-kyusu', title: 'Tokoname kyusu', price: 64, quantity: 1 }] },
    });

    const nudge = await eventually(
      async () => (await outbox()).find((m) => m.idempotencyKey === 'welcome/it-nudged/welcome-last-nudge'),
      40_000,
      'the last nudge in the outbox',
    );
    assert.equal(nudge.to, 'it-nudged@example.com');
    assert.equal(nudge.subject, 'Not sure where to start? Here is what others love');
    const html = await outboxHtml(nudge.id);
    assert.match(html, /Tokoname kyusu/);
    assert.match(html, /€64\.00/);
    assert.match(html, /This is the last email of our welcome series/);

    // The buyer's journey ended with the order: no nudge, however long we wait for it.
    await eventually(async () => {
      const res = await h.request('GET', '/v1/customers/it-buyer/journeys');
      const welcomeRun = (res.body.journeys as { journey: string; closedAt: string | null }[]).find((j) => j.journey === 'welcome');
      return !!welcomeRun?.closedAt;
    }, 20_000, 'the buyer\'s welcome over');
    assert.equal((await outbox()).filter((m) => m.idempotencyKey.startsWith('welcome/it-buyer/welcome-last-nudge')).length, 0);
    const { rows } = await h.db.query(`SELECT step, status FROM messages WHERE customer_id = 'it-nudged' AND journey = 'welcome' ORDER BY id`);
    assert.deepEqual(rows.map((r) => [r.step, r.status]), [
      ['welcome-email', 'sent'],
      ['welcome-reminder', 'sent'],
      ['welcome-last-nudge', 'sent'],
    ]);
  });
});
