import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

/** Browse abandonment over HTTP, with the quiet time shortened to 2 seconds. */
describe('browse abandonment over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ journeys: { browseAbandonment: { after: '2 seconds' } } });
    const put = async (id: string, body: Record<string, unknown>) => assert.ok([200, 201].includes((await h.request('PUT', `/v1/products/${id}`, body)).status));
    await put('ba-kyusu', { title: 'Tokoname kyusu', price: 64, url: 'https://shop.example.com/p/ba-kyusu', stock: 3, relatedProductIds: ['ba-cups', 'ba-gone'] });
    await put('ba-cups', { title: 'Hagi cups', price: 38, url: 'https://shop.example.com/p/ba-cups', stock: 2 });
    await put('ba-gone', { title: 'Sold-out tray', price: 20, url: 'https://shop.example.com/p/ba-gone', stock: 0 });
  });
  after(async () => {
    await h?.close();
  });

  const viewed = async (customerId: string, productId: string) =>
    assert.equal((await h.request('POST', '/v1/events', { type: 'product.viewed', customerId, properties: { productId } })).status, 202);

  test('a consenting viewer who did not buy gets one email with the viewed product and related in-stock ones', async () => {
    assert.equal((await h.request('PUT', '/v1/customers/ba-1', { email: 'ba-1@example.com', firstName: 'Ada', marketingConsent: true })).status, 201);
    await viewed('ba-1', 'ba-kyusu');
    const email = await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'ba-1@example.com'), 30_000, 'the browse email');
    assert.equal(email.body.subject, 'Still looking at Tokoname kyusu?');
    assert.match(email.body.text, /Tokoname kyusu/);
    assert.match(email.body.text, /Hagi cups/);
    assert.doesNotMatch(email.body.text, /Sold-out tray/);
    assert.equal(email.body.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    assert.match(email.idempotencyKey ?? '', /^browse-abandonment\/ba-1\/browse-reminder\/ba-kyusu$/);
    // Another view the same week sends nothing more.
    await viewed('ba-1', 'ba-cups');
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'ba-1@example.com').length, 1);
  });

  test('an unknown or non-consenting viewer starts no journey', async () => {
    assert.equal((await h.request('PUT', '/v1/customers/ba-no', { email: 'ba-no@example.com', marketingConsent: false })).status, 201);
    await viewed('ba-no', 'ba-kyusu');
    await viewed('ba-anonymous', 'ba-kyusu');
    await new Promise((r) => setTimeout(r, 5_000));
    for (const id of ['ba-no', 'ba-anonymous']) assert.deepEqual((await h.request('GET', `/v1/customers/${id}/journeys`)).body.journeys ?? [], []);
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'ba-no@example.com').length, 0);
  });
});
