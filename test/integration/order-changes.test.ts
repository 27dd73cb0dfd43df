import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

/**
 * Cancellations, refunds and returns over HTTP (API + Postgres + Temporal dev server + worker +
 * fake Resend). Post-purchase runs on seconds here: thank-you after 1 s, review request 4 s after
 * delivery, so a refunded order's missing review request is seen beside a kept order's.
 */
describe('refunds, cancellations and returns over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      journeys: {
        postPurchase: { thankYouAfter: '1 second', reviewRequestAfterDelivery: '4 seconds', crossSellAfterDelivery: '5 seconds', dedupeWindow: '1 second' },
        guardrails: { frequencyCapCount: 50 },
      },
    });
  });
  after(async () => {
    await h?.close();
  });

  const post = async (event: Record<string, unknown>) => assert.equal((await h.request('POST', '/v1/events', event)).status, 202);
  const mailTo = (address: string) => h.resend.emails.filter((e) => e.body.to[0] === address);
  const placeAndDeliver = async (customerId: string, orderId: string) => {
    await post({
      type: 'order.placed',
      customerId,
      properties: {
        orderId,
        total: 76,
        currency: 'EUR',
        items: [
          { productId: 'oc-tea', title: 'Sencha green tea', price: 12, quantity: 1 },
          { productId: 'oc-pot', title: 'Kyusu teapot', price: 64, quantity: 1 },
        ],
      },
    });
    await eventually(async () => mailTo(`${customerId}@example.com`).find((e) => /Thank you/.test(e.body.subject)), 30_000, `the thank-you for ${orderId}`);
    await post({ type: 'order.delivered', customerId, properties: { orderId } });
  };

  test('a refunded order gets a refund notice at once and no review request; a kept order gets its review request', async () => {
    for (const id of ['oc-refunded', 'oc-kept']) {
      assert.equal((await h.request('PUT', `/v1/customers/${id}`, { email: `${id}@example.com`, firstName: 'Ada', marketingConsent: true })).status, 201);
    }
    await placeAndDeliver('oc-refunded', 'OC-1');
    await placeAndDeliver('oc-kept', 'OC-2');
    await post({ type: 'order.refunded', customerId: 'oc-refunded', properties: { orderId: 'OC-1', amount: 76, currency: 'EUR' } });

    const notice = await eventually(async () => mailTo('oc-refunded@example.com').find((e) => /refund/i.test(e.body.subject)), 20_000, 'the refund notice');
    assert.equal(notice.body.subject, 'Your refund of €76.00 for order OC-1');
    assert.match(notice.body.text, /We have refunded €76\.00 for your order OC-1/);
    assert.equal(notice.body.headers?.['List-Unsubscribe'], undefined, 'transactional');
    assert.match(notice.idempotencyKey ?? '', /^order-notice\/OC-1\/evt_[^/]+\/refund-notice$/);

    await eventually(async () => mailTo('oc-kept@example.com').find((e) => e.idempotencyKey?.endsWith('/review-request')), 30_000, 'the kept order’s review request');
    await new Promise((r) => setTimeout(r, 3_000));
    const steps = (address: string) => mailTo(address).map((e) => `${e.idempotencyKey?.split('/')[0]}:${e.idempotencyKey?.split('/').pop()}`).sort();
    assert.deepEqual(
      steps('oc-refunded@example.com'),
      ['order-notice:refund-notice', 'order:delivered-notice', 'order:order-confirmation', 'post-purchase:thank-you'],
      'no review request, no cross-sell',
    );
    assert.ok(steps('oc-kept@example.com').includes('post-purchase:review-request'));
    const journey = await h.request('GET', '/v1/customers/oc-refunded/journeys');
    const postPurchase = journey.body.journeys.find((j: { journey: string }) => j.journey === 'post-purchase');
    assert.equal(postPurchase.status, 'COMPLETED');

    // The order's revenue is net of the refund.
    const { rows } = await h.db.query(`SELECT refunded_total::float AS refunded FROM orders WHERE id = 'OC-1'`);
    assert.equal(rows[0].refunded, 76);
  });

  test('a cancellation gets its notice; an unknown event field is a 422 and stores nothing', async () => {
    assert.equal((await h.request('PUT', '/v1/customers/oc-cancel', { email: 'oc-cancel@example.com', marketingConsent: false })).status, 201);
    await post({ type: 'order.placed', customerId: 'oc-cancel', properties: { orderId: 'OC-3', total: 12, currency: 'EUR', items: [{ productId: 'oc-tea', title: 'Sencha green tea', price: 12, quantity: 1 }] } });
    await post({ type: 'order.cancelled', customerId: 'oc-cancel', properties: { orderId: 'OC-3' } });
    const notice = await eventually(async () => mailTo('oc-cancel@example.com').find((e) => /cancelled/.test(e.body.subject)), 20_000, 'the cancellation notice');
    assert.equal(notice.body.subject, 'Order OC-3 has been cancelled');
    const { rows } = await h.db.query(`SELECT cancelled_at IS NOT NULL AS cancelled FROM orders WHERE id = 'OC-3'`);
    assert.equal(rows[0].cancelled, true);

    const bad = await h.request('POST', '/v1/events', { type: 'order.refunded', customerId: 'oc-cancel', properties: { orderId: 'OC-3', amount: -1, currency: 'EUR' } });
    assert.equal(bad.status, 422);
  });
});
