import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

/**
 * Pausing and resuming journeys at run time, over HTTP: real API, Postgres, Temporal dev
 * server, worker and fake Resend. The cart reminder is configured to come 3 seconds after the
 * latest cart change, so "within seconds" is what real time shows here.
 */
describe('journeys under the shop’s control', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ journeys: { abandonedCart: { firstReminderAfter: '3 seconds', secondReminderAfter: '1 hour' } } });
    const res = await h.request('PUT', '/v1/products/ctl-tea', { title: 'Sencha', price: 12.5, url: 'https://shop.example.com/p/ctl-tea', stock: 10 });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await h?.close();
  });

  const customer = async (id: string) =>
    assert.equal((await h.request('PUT', `/v1/customers/${id}`, { email: `${id}@example.com`, marketingConsent: true })).status, 201);
  const cart = async (customerId: string) =>
    assert.equal(
      (
        await h.request('POST', '/v1/events', {
          type: 'cart.updated',
          customerId,
          properties: {
            cartId: `cart-${customerId}`,
            cartUrl: 'https://shop.example.com/cart',
            items: [{ productId: 'ctl-tea', title: 'Sencha', price: 12.5, quantity: 1 }],
          },
        })
      ).status,
      202,
    );
  const mailTo = (id: string) => h.resend.emails.filter((e) => e.body.to[0] === `${id}@example.com`);
  const ledger = async (customerId: string) =>
    (await h.db.query('SELECT step, status, skip_reason FROM messages WHERE customer_id = $1 ORDER BY id', [customerId])).rows;

  test('GET /v1/journeys lists every journey with its settings, switch and counts', async () => {
    const res = await h.request('GET', '/v1/journeys');
    assert.equal(res.status, 200);
    const names = res.body.journeys.map((j: { name: string }) => j.name);
    assert.deepEqual(names, ['welcome', 'order', 'order-notice', 'abandoned-cart', 'browse-abandonment', 'back-in-stock', 'post-purchase', 'win-back', 'sunset', 'vip', 'birthday', 'lead-nurture', 'replenishment']);
    const cartJourney = res.body.journeys.find((j: { name: string }) => j.name === 'abandoned-cart');
    assert.equal(cartJourney.paused, false);
    assert.equal(cartJourney.category, 'marketing');
    assert.equal(cartJourney.control.source, 'config');
    assert.equal(cartJourney.settings.reminders[0].after, '3 seconds', 'the older keys, as the series they configure');
    assert.deepEqual(Object.keys(cartJourney.counts).sort(), ['enteredToday', 'held', 'running', 'sent', 'sentToday', 'skipped', 'skippedToday']);
    assert.equal(res.body.journeys.find((j: { name: string }) => j.name === 'order').category, 'transactional');
  });

  test('pausing abandoned cart stops its reminders within seconds; resuming brings them back', async () => {
    // A customer already inside the journey when it is paused.
    await customer('ctl-inside');
    await cart('ctl-inside');
    // Held until the cart is quiet (no workflow yet): listed under `held`, with its due time, and counted.
    await eventually(async () => {
      const res = await h.request('GET', '/v1/customers/ctl-inside/journeys');
      return res.body.held?.[0]?.journey === 'abandoned-cart' && typeof res.body.held[0].dueAt === 'string';
    }, 15_000, 'the cart journey held');
    const counted = (await h.request('GET', '/v1/journeys')).body.journeys.find((j: { name: string }) => j.name === 'abandoned-cart');
    assert.ok(counted.counts.held >= 1, 'the held customer counts in GET /v1/journeys');
    const paused = await h.request('POST', '/v1/journeys/abandoned-cart/pause');
    assert.equal(paused.status, 200);
    assert.deepEqual({ ...paused.body, changedAt: typeof paused.body.changedAt }, {
      name: 'abandoned-cart',
      paused: true,
      changedAt: 'string',
      forced: false,
      source: 'api',
    });

    // Its reminder comes due while paused: skipped and logged, nothing mailed.
    await eventually(async () => (await ledger('ctl-inside')).find((m) => m.status === 'skipped'), 20_000, 'the reminder skipped');
    assert.deepEqual(await ledger('ctl-inside'), [{ step: 'first-reminder', status: 'skipped', skip_reason: 'journey_paused' }]);
    assert.equal(mailTo('ctl-inside').length, 0);

    // A new cart while paused starts no journey at all.
    await customer('ctl-new');
    await cart('ctl-new');
    await new Promise((r) => setTimeout(r, 5_000));
    assert.deepEqual((await h.request('GET', '/v1/customers/ctl-new/journeys')).body, { journeys: [], held: [] });
    assert.equal(mailTo('ctl-new').length, 0);
    const listed = (await h.request('GET', '/v1/journeys')).body.journeys.find((j: { name: string }) => j.name === 'abandoned-cart');
    assert.equal(listed.paused, true);
    assert.ok(listed.counts.skipped >= 1);

    const resumed = await h.request('POST', '/v1/journeys/abandoned-cart/resume');
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.paused, false);
    // The next cart update after the resume gets its reminder.
    const resumedAt = Date.now();
    await cart('ctl-new');
    const reminder = await eventually(async () => mailTo('ctl-new')[0], 30_000, 'the reminder after resume');
    assert.match(reminder.body.subject, /Sencha/);
    assert.ok(Date.now() - resumedAt < 20_000, 'within seconds of the resume');
  });

  test('a transactional journey is not paused by accident: 409 without force=true', async () => {
    const refused = await h.request('POST', '/v1/journeys/order/pause');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'transactional_journey');
    const listed = (await h.request('GET', '/v1/journeys')).body.journeys.find((j: { name: string }) => j.name === 'order');
    assert.equal(listed.paused, false, 'no change');

    const forced = await h.request('POST', '/v1/journeys/order/pause?force=true');
    assert.equal(forced.status, 200);
    assert.deepEqual([forced.body.paused, forced.body.forced], [true, true]);
    assert.equal((await h.request('POST', '/v1/journeys/order/resume')).body.paused, false);
  });

  test('an unknown journey is a 404 and changes nothing', async () => {
    const res = await h.request('POST', '/v1/journeys/no-such-journey/pause');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    assert.equal((await h.db.query('SELECT count(*)::int AS n FROM journey_controls WHERE journey = $1', ['no-such-journey'])).rows[0].n, 0);
  });
});
