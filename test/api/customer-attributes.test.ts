import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useSendHarnessAndApp, API_KEY } from '../guardrails/harness';
import { routesFor, checkAudiences } from '../../ingest/routes';
import { routeLookups } from '../../ingest/dispatch';
import { JourneysConfigSchema } from '../../config/journeys';
import type { RoutedEvent } from '../../ingest/routes';

/**
 * Custom profile attributes: accepted from customer.created/updated and PUT /v1/customers/:id,
 * bounded and validated (422 in the error envelope, nothing stored), merged key by key with
 * last-writer-wins, shown by GET, used by templates (welcome) and by journeys' audiences.
 */
describe('custom profile attributes', () => {
  const ctx = useSendHarnessAndApp();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ctx.app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  };
  const stored = async (id: string) => (await ctx.h.db.pool.query('SELECT attributes FROM customers WHERE id = $1', [id])).rows[0]?.attributes;

  test('PUT and events set them; they merge key by key, null removes one, GET shows them', async () => {
    const created = await call('PUT', '/v1/customers/ca-1', { email: 'ca1@example.com', attributes: { tier: 'gold', favoriteCategory: 'coffee', orders: 3 } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.attributes, { tier: 'gold', favoriteCategory: 'coffee', orders: 3 });
    const event = await call('POST', '/v1/events', {
      id: 'ev-ca-1',
      type: 'customer.updated',
      customerId: 'ca-1',
      properties: { attributes: { tier: 'platinum', favoriteCategory: null, newsletter: true } },
    });
    assert.equal(event.status, 202);
    const got = await call('GET', '/v1/customers/ca-1');
    assert.deepEqual(got.body.attributes, { tier: 'platinum', orders: 3, newsletter: true });
  });

  test('an older event does not overwrite a newer value of the same attribute, but sets others', async () => {
    await call('POST', '/v1/events', { id: 'ev-ca-2a', type: 'customer.created', customerId: 'ca-2', occurredAt: '2026-01-10T10:00:00Z', properties: { email: 'ca2@example.com', attributes: { tier: 'gold' } } });
    await call('POST', '/v1/events', { id: 'ev-ca-2b', type: 'customer.updated', customerId: 'ca-2', occurredAt: '2026-01-09T10:00:00Z', properties: { attributes: { tier: 'bronze', city: 'Lyon' } } });
    assert.deepEqual(await stored('ca-2'), { tier: 'gold', city: 'Lyon' });
  });

  test('bad names, values and too many answer 422 naming the attribute, and store nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ '1tier': 'x' }, /attributes\.1tier/],
      [{ 'favourite-category': 'x' }, /attributes\.favourite-category/],
      [{ ['k'.repeat(41)]: 'x' }, /attributes\.k{41}/],
      [{ tier: 'x'.repeat(501) }, /attributes\.tier/],
      [{ tier: { nested: true } }, /attributes\.tier/],
      [{ tier: [1, 2] }, /attributes\.tier/],
      [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, i])), /attributes/],
    ];
    for (const [attributes, path] of cases) {
      const put = await call('PUT', '/v1/customers/ca-bad', { email: 'bad@example.com', attributes });
      assert.equal(put.status, 422, JSON.stringify(attributes).slice(0, 80));
      assert.equal(put.body.error.code, 'validation_failed');
      assert.match(JSON.stringify(put.body.error.details), path);
      const event = await call('POST', '/v1/events', { type: 'customer.created', customerId: 'ca-bad', properties: { email: 'bad@example.com', attributes } });
      assert.equal(event.status, 422);
    }
    assert.equal(await stored('ca-bad'), undefined, 'no customer was created');
  });

  test('a change that would leave more than 50 attributes is refused whole (422 too_many_attributes)', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`a${i}`, i]));
    assert.equal((await call('PUT', '/v1/customers/ca-3', { email: 'ca3@example.com', attributes: fifty })).status, 201);
    const more = await call('PUT', '/v1/customers/ca-3', { firstName: 'Cleo', attributes: { extra: 'one too many' } });
    assert.equal(more.status, 422);
    assert.equal(more.body.error.code, 'too_many_attributes');
    const row = (await ctx.h.db.pool.query('SELECT first_name, attributes FROM customers WHERE id = $1', ['ca-3'])).rows[0];
    assert.equal(row.first_name, null, 'the rest of the change did not apply either');
    assert.equal(Object.keys(row.attributes).length, 50);
    const swap = await call('PUT', '/v1/customers/ca-3', { attributes: { a0: null, extra: 'fits now' } });
    assert.equal(swap.status, 200);
  });

  test('the welcome email personalises with an attribute', async () => {
    await ctx.h.customer('ca-welcome', { attributes: { favoriteCategory: 'oolong teas' } });
    const outcome = await ctx.h.send({ customerId: 'ca-welcome', idempotencyKey: 'welcome/ca-welcome/welcome' });
    assert.equal(outcome.status, 'sent');
    const email = ctx.h.resend.emails.find((e) => e.body.to.includes('ca-welcome@example.com'));
    assert.ok(email, 'sent to the fake Resend');
    assert.match(email.body.text, /We have a soft spot for oolong teas too/);
  });

  test("a journey's audience starts it only for customers whose attributes match; others still reach a running one", async () => {
    const config = JourneysConfigSchema.parse({ audiences: { 'abandoned-cart': { tier: ['gold', 'platinum'] } } });
    const lookups = routeLookups(ctx.h.db.pool);
    await ctx.h.customer('ca-gold', { attributes: { tier: 'gold' } });
    await ctx.h.customer('ca-plain', {});
    const cart = (customerId: string): RoutedEvent =>
      ({
        id: `cart-${customerId}`,
        type: 'cart.updated',
        customerId,
        occurredAt: '2026-01-15T12:00:00.000Z',
        properties: { cartId: 'k', cartUrl: 'https://shop.test/cart/k', items: [{ productId: 'p', title: 'Tea', price: 5, quantity: 1 }] },
      }) as RoutedEvent;
    const actions = async (customerId: string) =>
      (await routesFor(cart(customerId), lookups, config)).filter((m) => m.route.name === 'abandoned-cart').map((m) => m.action);
    assert.deepEqual(await actions('ca-gold'), ['start']);
    assert.deepEqual(await actions('ca-plain'), ['signal']);
    assert.throws(() => checkAudiences(JourneysConfigSchema.parse({ audiences: { 'abandoned-carts': { tier: ['gold'] } } })), /no journey named abandoned-carts/);
  });
});
