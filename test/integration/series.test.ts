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
});
