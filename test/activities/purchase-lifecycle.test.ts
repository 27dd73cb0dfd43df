import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPurchaseLifecycleActivities } from '../../activities/purchase-lifecycle';
import { storeEvents } from '../../ingest/store';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/** The post-purchase, win-back and VIP activities against a real, migrated Postgres. */
describe('purchase lifecycle activities', () => {
  let db: TestDatabase;
  let now = new Date('2026-03-01T12:00:00Z');
  let acts: ReturnType<typeof createPurchaseLifecycleActivities>;

  before(async () => {
    db = await createTestDatabase();
    acts = createPurchaseLifecycleActivities({ db: db.pool, now: () => now, shopUrl: 'https://shop.test/' });
  });
  after(async () => {
    await db?.drop();
  });

  const placeOrder = (customerId: string, orderId: string, occurredAt: string, items: [string, string][], total = 30) =>
    storeEvents(db.pool, [
      {
        type: 'order.placed',
        customerId,
        occurredAt,
        properties: {
          orderId,
          total,
          currency: 'EUR',
          items: items.map(([productId, title]) => ({ productId, title, price: 10, quantity: 1 })),
        },
      },
    ]);

  async function product(id: string, stock: number, related: string[] = [], url = `https://shop.test/p/${id}`) {
    await db.pool.query(
      `INSERT INTO products (id, title, price, url, stock, related_product_ids) VALUES ($1, $2, 19.5, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET stock = EXCLUDED.stock, related_product_ids = EXCLUDED.related_product_ids`,
      [id, `Product ${id}`, url, stock, related],
    );
  }

  async function customer(id: string) {
    await storeEvents(db.pool, [{ type: 'customer.created', customerId: id, properties: { email: `${id}@example.com`, marketingConsent: true } }]);
  }

  async function message(customerId: string, fields: { opened_at?: string; clicked_at?: string; journey?: string; step?: string; status?: string }) {
    await db.pool.query(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, sent_at, opened_at, clicked_at)
       VALUES ($1, 'wf', $2, $3, $4, 'win-back', 'marketing', $5, '2026-01-01T00:00:00Z', $6, $7)`,
      [
        `key-${Math.random()}`,
        fields.journey ?? 'win-back',
        fields.step ?? 'win-back',
        customerId,
        fields.status ?? 'sent',
        fields.opened_at ?? null,
        fields.clicked_at ?? null,
      ],
    );
  }

  test('the first order is the earliest placed, even when a later one arrived first', async () => {
    await placeOrder('c-first', 'o-later', '2026-02-02T10:00:00Z', [['tea', 'Tea']]);
    await placeOrder('c-first', 'o-earlier', '2026-02-01T10:00:00Z', [['tea', 'Tea']]);
    assert.equal(await acts.isFirstOrder({ customerId: 'c-first', orderId: 'o-earlier' }), true);
    assert.equal(await acts.isFirstOrder({ customerId: 'c-first', orderId: 'o-later' }), false);
    assert.equal(await acts.isFirstOrder({ customerId: 'c-other', orderId: 'o-earlier' }), true, 'other customers do not count');
  });

  test('review links point to each product page, else to the shop, one per product', async () => {
    await product('kettle', 3);
    await placeOrder('c-review', 'o-review', '2026-02-01T10:00:00Z', [
      ['kettle', 'Glass kettle'],
      ['unknown', 'Gift wrap'],
      ['kettle', 'Glass kettle'],
    ]);
    assert.deepEqual(await acts.itemsToReview({ orderId: 'o-review' }), [
      { productId: 'kettle', title: 'Glass kettle', reviewUrl: 'https://shop.test/p/kettle' },
      { productId: 'unknown', title: 'Gift wrap', reviewUrl: 'https://shop.test/' },
    ]);
    assert.deepEqual(await acts.itemsToReview({ orderId: 'no-such-order' }), []);
  });

  test('cross-sell suggests related products in stock that the customer never bought, in shop order, up to the limit', async () => {
    await product('pot', 5, ['cups', 'sold-out', 'pot', 'leaves', 'tray', 'scoop']);
    await product('cups', 4);
    await product('sold-out', 0);
    await product('leaves', 9);
    await product('tray', 2);
    await product('scoop', 2);
    await placeOrder('c-cross', 'o-cross-old', '2026-01-01T10:00:00Z', [['leaves', 'Leaves']]);
    await placeOrder('c-cross', 'o-cross', '2026-02-01T10:00:00Z', [['pot', 'Pot']]);
    const products = await acts.crossSellProducts({ customerId: 'c-cross', orderId: 'o-cross', limit: 2 });
    assert.deepEqual(
      products.map((p) => p.productId),
      ['cups', 'tray'],
    );
    assert.deepEqual(products[0], {
      productId: 'cups',
      title: 'Product cups',
      url: 'https://shop.test/p/cups',
      price: 19.5,
      currency: 'EUR',
    });
  });

  test('a lost claim is logged as a skipped message with its reason', async () => {
    const claim = (workflowId: string) =>
      acts.claimStep({
        customerId: 'c-claim-log',
        journey: 'post-purchase',
        step: 'thank-you',
        workflowId,
        window: '7 days',
        message: { template: 'post-purchase-thank-you', category: 'marketing' },
      });
    now = new Date('2026-04-01T12:00:00Z');
    assert.equal((await claim('post-purchase/first')).claimed, true);
    assert.equal((await claim('post-purchase/second')).claimed, false);
    assert.equal((await claim('post-purchase/second')).claimed, false, 'a retried lost claim logs once');
    const { rows } = await db.pool.query(
      `SELECT workflow_id, status, skip_reason FROM messages WHERE customer_id = 'c-claim-log' ORDER BY id`,
    );
    assert.deepEqual(rows, [{ workflow_id: 'post-purchase/second', status: 'skipped', skip_reason: 'sent_for_another_order' }]);
  });

  test('only one of two overlapping workflows claims a step within the window; a release frees it', async () => {
    const claim = (workflowId: string) =>
      acts.claimStep({ customerId: 'c-claims', journey: 'post-purchase', step: 'thank-you', workflowId, window: '7 days' });
    now = new Date('2026-03-01T12:00:00Z');
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => claim(`post-purchase/${id}`)));
    assert.equal(results.filter((r) => r.claimed).length, 1, 'concurrent claims: exactly one wins');
    const winner = ['a', 'b', 'c', 'd', 'e'][results.findIndex((r) => r.claimed)];
    assert.deepEqual(await claim(`post-purchase/${winner}`), { claimed: true }, 'a retried claim wins again');

    now = new Date('2026-03-03T12:00:00Z');
    const blocked = await claim('post-purchase/f');
    assert.equal(blocked.claimed, false);
    assert.equal(!blocked.claimed && blocked.heldBy, `post-purchase/${winner}`);
    assert.equal((await acts.claimStep({ customerId: 'c-claims', journey: 'post-purchase', step: 'cross-sell', workflowId: 'post-purchase/f', window: '7 days' })).claimed, true, 'other steps are separate');

    await acts.releaseStep({ workflowId: `post-purchase/${winner}`, step: 'thank-you' });
    assert.equal((await claim('post-purchase/f')).claimed, true, 'released: the next order takes it');

    now = new Date('2026-03-11T12:00:00Z');
    assert.equal((await claim('post-purchase/g')).claimed, true, 'outside the window');
  });

  test('engagement is the latest open, click or order since a time', async () => {
    await customer('c-engaged');
    const since = '2026-02-01T00:00:00Z';
    assert.deepEqual(await acts.customerEngagement({ customerId: 'c-engaged', since }), { engagedAt: null, how: null });
    await message('c-engaged', { opened_at: '2026-01-15T00:00:00Z' });
    assert.equal((await acts.customerEngagement({ customerId: 'c-engaged', since })).engagedAt, null, 'an open before does not count');
    await message('c-engaged', { opened_at: '2026-02-03T00:00:00Z', clicked_at: '2026-02-04T00:00:00Z' });
    assert.deepEqual(await acts.customerEngagement({ customerId: 'c-engaged', since }), {
      engagedAt: '2026-02-04T00:00:00.000Z',
      how: 'clicked',
    });
    await placeOrder('c-engaged', 'o-engaged', '2026-02-05T00:00:00Z', [['tea', 'Tea']]);
    assert.equal((await acts.customerEngagement({ customerId: 'c-engaged', since })).how, 'ordered');
  });

  test('the sunset marks an unengaged customer, spares an engaged one, and the next order lifts it', async () => {
    await customer('c-sunset');
    now = new Date('2026-04-01T00:00:00Z');
    const result = await acts.sunsetIfUnengaged({ customerId: 'c-sunset', since: '2026-02-01T00:00:00Z' });
    assert.deepEqual(result, { engagedAt: null, how: null, sunset: true });
    const marked = await db.pool.query('SELECT unengaged_at FROM customers WHERE id = $1', ['c-sunset']);
    assert.equal(marked.rows[0].unengaged_at.toISOString(), '2026-04-01T00:00:00.000Z');

    await placeOrder('c-sunset', 'o-sunset', '2026-04-02T00:00:00Z', [['tea', 'Tea']]);
    const lifted = await db.pool.query('SELECT unengaged_at FROM customers WHERE id = $1', ['c-sunset']);
    assert.equal(lifted.rows[0].unengaged_at, null, 'a purchase is engagement');

    await customer('c-spared');
    await message('c-spared', { clicked_at: '2026-03-01T00:00:00Z' });
    const spared = await acts.sunsetIfUnengaged({ customerId: 'c-spared', since: '2026-02-01T00:00:00Z' });
    assert.equal(spared.sunset, false);
    const row = await db.pool.query('SELECT unengaged_at FROM customers WHERE id = $1', ['c-spared']);
    assert.equal(row.rows[0].unengaged_at, null);
  });

  test('VIP standing counts orders and revenue and sees an earlier invitation', async () => {
    assert.deepEqual(await acts.vipStanding({ customerId: 'c-vip' }), {
      orderCount: 0,
      lifetimeRevenue: 0,
      currency: null,
      invitedAt: null,
    });
    await placeOrder('c-vip', 'o-vip-1', '2026-01-01T00:00:00Z', [['tea', 'Tea']], 120.5);
    await placeOrder('c-vip', 'o-vip-2', '2026-01-02T00:00:00Z', [['tea', 'Tea']], 79.5);
    await message('c-vip', { journey: 'vip', step: 'vip-invitation', status: 'skipped' });
    const standing = await acts.vipStanding({ customerId: 'c-vip' });
    assert.deepEqual(standing, { orderCount: 2, lifetimeRevenue: 200, currency: 'EUR', invitedAt: null }, 'a skipped invitation does not count');
    await message('c-vip', { journey: 'vip', step: 'vip-invitation', status: 'sent' });
    assert.equal((await acts.vipStanding({ customerId: 'c-vip' })).invitedAt, '2026-01-01T00:00:00.000Z');
  });
});
