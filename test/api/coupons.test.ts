import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeEvents } from '../../ingest/store';
import { redeemCoupon } from '../../activities/coupon-redemptions';
import { API_KEY, NO_QUIET_HOURS, transactionalInput, type SendHarness, useSendHarnessAndApp } from '../guardrails/harness';

/**
 * The checkout's view of the coupons we email: the real send path issues them, the real API
 * checks and redeems them on a real database.
 */
describe('coupons at checkout', () => {
  // The codes are sent on the real clock: the API checks expiry against it.
  const ctx = useSendHarnessAndApp(NO_QUIET_HOURS);

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ctx.app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  /** A welcome email with its 10 % code, sent `ageMs` ago by the real send path. */
  async function emailedCode(customerId: string, ageMs = 0, validFor: '7 days' | '1 hour' = '7 days'): Promise<string> {
    ctx.h.setNow(new Date(Date.now() - ageMs));
    await ctx.h.customer(customerId);
    const outcome = await ctx.h.send({
      customerId,
      idempotencyKey: `welcome/${customerId}/welcome-email`,
      coupon: { key: `welcome/${customerId}`, percentOff: 10, validFor },
    });
    assert.equal(outcome.status, 'sent');
    const { rows } = await ctx.h.db.pool.query('SELECT coupon_code FROM messages WHERE idempotency_key = $1', [`welcome/${customerId}/welcome-email`]);
    assert.ok(rows[0].coupon_code, 'the message records the code it carried');
    return rows[0].coupon_code;
  }

  test('a valid code shows its discount, expiry and owner; case does not matter', async () => {
    const code = await emailedCode('c-valid');
    const res = await call('GET', `/v1/coupons/${code.toLowerCase()}?customerId=c-valid`);
    assert.equal(res.status, 200);
    assert.equal(res.body.code, code);
    assert.equal(res.body.valid, true);
    assert.equal(res.body.reason, null);
    assert.equal(res.body.percentOff, 10);
    assert.equal(res.body.customerId, 'c-valid');
    assert.equal(res.body.journey, 'welcome');
    assert.equal(res.body.maxRedemptions, 1);
    assert.ok(Date.parse(res.body.expiresAt) > Date.now() + 6 * 86_400_000);
    assert.deepEqual(res.body.redemptions, []);
    const unknown = await call('GET', '/v1/coupons/NOPE-0000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
  });

  test('redeeming is idempotent by order id, and a code redeems once', async () => {
    const code = await emailedCode('c-once');
    const first = await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-once-1', customerId: 'c-once' });
    assert.equal(first.status, 201);
    assert.equal(first.body.duplicate, false);
    assert.equal(first.body.coupon.reason, 'used_up', 'after its one use the code is used up');
    const retry = await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-once-1', customerId: 'c-once' });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.deepEqual(retry.body.redemption, first.body.redemption);
    const other = await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-once-2', customerId: 'c-once' });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'coupon_used_up');
    const check = await call('GET', `/v1/coupons/${code}`);
    assert.equal(check.body.valid, false);
    assert.deepEqual(check.body.redemptions.map((r: { orderId: string }) => r.orderId), ['o-once-1']);
  });

  test('an expired code is a 409 and stays unredeemed', async () => {
    const code = await emailedCode('c-expired', 2 * 3_600_000, '1 hour');
    const check = await call('GET', `/v1/coupons/${code}`);
    assert.equal(check.body.valid, false);
    assert.equal(check.body.reason, 'expired');
    const res = await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-expired', customerId: 'c-expired' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'coupon_expired');
    assert.equal((await ctx.h.db.pool.query('SELECT count(*)::int AS n FROM coupon_redemptions WHERE code = $1', [code])).rows[0].n, 0);
  });

  test("someone else's code is a 422 and stays redeemable by its owner", async () => {
    const code = await emailedCode('c-owner');
    const check = await call('GET', `/v1/coupons/${code}?customerId=c-stranger`);
    assert.equal(check.body.valid, false);
    assert.equal(check.body.reason, 'not_for_customer');
    const res = await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-stranger', customerId: 'c-stranger' });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'coupon_not_for_customer');
    const owner = await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-owner', customerId: 'c-owner' });
    assert.equal(owner.status, 201);
  });

  test('bad input is a 422 with the error envelope', async () => {
    const res = await call('POST', '/v1/coupons/SOME-CODE/redemptions', { orderId: '' });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'validation_failed');
  });

  test('concurrent redemptions of one code by different orders: exactly one wins', async () => {
    const code = await emailedCode('c-race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call('POST', `/v1/coupons/${code}/redemptions`, { orderId: `o-race-${i}`, customerId: 'c-race' })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    assert.equal((await ctx.h.db.pool.query('SELECT count(*)::int AS n FROM coupon_redemptions WHERE code = $1', [code])).rows[0].n, 1);
  });

  test('concurrent retries of one order: one redemption, every answer the same', async () => {
    const code = await emailedCode('c-retries');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => redeemCoupon(ctx.h.db.pool, { code, orderId: 'o-retried', customerId: 'c-retries', at: new Date(), source: 'api' })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), ['already_redeemed', 'already_redeemed', 'already_redeemed', 'already_redeemed', 'already_redeemed', 'redeemed']);
    assert.equal((await ctx.h.db.pool.query('SELECT count(*)::int AS n FROM coupon_redemptions WHERE code = $1', [code])).rows[0].n, 1);
  });

  test('a code configured for more uses redeems that many times', async () => {
    ctx.h.setNow(new Date());
    await ctx.h.customer('c-multi');
    await ctx.h.db.pool.query(`INSERT INTO coupons (code, issue_key, customer_id, journey, percent_off, expires_at, max_redemptions)
                           VALUES ('VIP-MULTI-0001', 'k/multi', 'c-multi', 'vip', 20, now() + interval '1 day', 2)`);
    assert.equal((await call('POST', '/v1/coupons/VIP-MULTI-0001/redemptions', { orderId: 'o-m1', customerId: 'c-multi' })).status, 201);
    assert.equal((await call('POST', '/v1/coupons/VIP-MULTI-0001/redemptions', { orderId: 'o-m2', customerId: 'c-multi' })).status, 201);
    assert.equal((await call('POST', '/v1/coupons/VIP-MULTI-0001/redemptions', { orderId: 'o-m3', customerId: 'c-multi' })).status, 409);
  });

  test('order.placed with couponCodes redeems them for the order, once, and keeps the order whatever the code', async () => {
    const code = await emailedCode('c-order');
    const expired = await emailedCode('c-order-old', 2 * 3_600_000, '1 hour');
    const order = (id: string, eventId: string, codes: string[]) => ({
      id: eventId,
      type: 'order.placed' as const,
      customerId: 'c-order',
      properties: { orderId: id, total: 30, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: 30, quantity: 1 }], couponCodes: codes },
    });
    // The checkout redeemed it already; the order event repeats the code: still one redemption.
    assert.equal((await call('POST', `/v1/coupons/${code}/redemptions`, { orderId: 'o-coupon', customerId: 'c-order' })).status, 201);
    await storeEvents(ctx.h.db.pool, [order('o-coupon', 'evt-o-coupon', [code.toLowerCase(), expired, 'NOT-OURS'])]);
    await storeEvents(ctx.h.db.pool, [order('o-coupon', 'evt-o-coupon-again', [code])]);
    const { rows } = await ctx.h.db.pool.query('SELECT code, order_id FROM coupon_redemptions WHERE order_id = $1', ['o-coupon']);
    assert.deepEqual(rows, [{ code, order_id: 'o-coupon' }], "one redemption; the expired code and someone else's stay unredeemed");
    const stored = await ctx.h.db.pool.query('SELECT coupon_codes FROM orders WHERE id = $1', ['o-coupon']);
    assert.deepEqual(stored.rows[0].coupon_codes, [code, expired, 'NOT-OURS']);
  });

  test('a redeemed code credits the order to the message that carried it, ahead of a later last touch', async () => {
    const code = await emailedCode('c-attr');
    // A later message (the confirmation of an earlier order) is the last touch.
    ctx.h.setNow(new Date());
    assert.equal((await ctx.h.activities.sendMessage(transactionalInput('c-attr', 'o-attr-earlier'))).status, 'sent');
    const placed = (orderId: string, codes?: string[]) => ({
      type: 'order.placed' as const,
      customerId: 'c-attr',
      occurredAt: new Date(Date.now() + 1000).toISOString(),
      properties: { orderId, total: 50, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: 50, quantity: 1 }], ...(codes ? { couponCodes: codes } : {}) },
    });
    await storeEvents(ctx.h.db.pool, [placed('o-attr-coupon', [code]), placed('o-attr-plain')]);
    const stats = await call('GET', '/v1/stats/journeys?attributionWindowDays=5');
    const step = (journey: string, name: string) =>
      stats.body.journeys.find((j: { journey: string }) => j.journey === journey)?.steps.find((s: { step: string }) => s.step === name);
    const welcome = step('welcome', 'welcome-email');
    const confirmation = step('order', 'confirmation');
    assert.ok(welcome && confirmation);
    // c-attr's welcome email converted by its code; the plain order went to the last touch.
    const attrWelcome = await ctx.h.db.pool.query(
      `SELECT count(*)::int AS n FROM coupon_redemptions r JOIN messages m ON m.coupon_code = r.code WHERE m.customer_id = 'c-attr'`,
    );
    assert.equal(attrWelcome.rows[0].n, 1);
    assert.ok(welcome.convertedByCoupon >= 1, 'the welcome email converted by its code');
    assert.equal(confirmation.converted, 1, 'only the order without a code goes to the last touch');
    assert.equal(confirmation.convertedByCoupon, 0);
    assert.deepEqual(confirmation.revenue, { EUR: 50 });
    assert.ok(welcome.couponsRedeemed >= 1);
  });
});
