import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { issueCoupon } from '../../activities/coupons';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const NOW = new Date('2026-04-01T10:00:00.000Z');
const CODE = /^[A-Z]+-[A-HJ-KMNP-Z2-9]{4}-[A-HJ-KMNP-Z2-9]{4}-[A-HJ-KMNP-Z2-9]{4}$/;

describe('coupons', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  const request = (key: string) => ({
    key,
    percentOff: 10,
    validFor: '48 hours' as const,
    customerId: 'c-1',
    journey: 'abandoned-cart',
  });

  test('stores the code with its owner, journey, value and expiry', async () => {
    const coupon = await issueCoupon(database.pool, request('abandoned-cart/c-1/s-1/discount'), NOW);
    assert.match(coupon.code, CODE);
    assert.ok(coupon.code.startsWith('CART-'));
    assert.equal(coupon.percentOff, 10);
    assert.equal(coupon.expiresAt, '2026-04-03T10:00:00.000Z');
    const { rows } = await database.pool.query('SELECT * FROM coupons WHERE code = $1', [coupon.code]);
    assert.equal(rows[0].customer_id, 'c-1');
    assert.equal(rows[0].journey, 'abandoned-cart');
    assert.equal(rows[0].issue_key, 'abandoned-cart/c-1/s-1/discount');
    assert.equal(rows[0].percent_off, 10);
  });

  test('a retried step gets its first code back, even a day later', async () => {
    const first = await issueCoupon(database.pool, request('retry-key'), NOW);
    const retried = await issueCoupon(database.pool, request('retry-key'), new Date(NOW.getTime() + 86_400_000));
    assert.deepEqual(retried, first, 'same code and the original expiry');
  });

  test('concurrent calls for one key issue exactly one code', async () => {
    const codes = await Promise.all(Array.from({ length: 25 }, () => issueCoupon(database.pool, request('race-key'), NOW)));
    assert.equal(new Set(codes.map((c) => c.code)).size, 1, 'every caller sees the same code');
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM coupons WHERE issue_key = $1', ['race-key']);
    assert.equal(rows[0].n, 1);
  });

  test('codes are unique across keys', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `many/${i}`);
    const codes = await Promise.all(keys.map((key) => issueCoupon(database.pool, request(key), NOW)));
    assert.equal(new Set(codes.map((c) => c.code)).size, keys.length);
    for (const { code } of codes) assert.match(code, CODE);
  });
});
