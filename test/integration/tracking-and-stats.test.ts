import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signToken } from '../../links/signed-links';
import { eventually, startHarness, type Harness } from './harness';

describe('open/click tracking and journey stats', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { SHOP_URL: 'https://shop.example.com' } });
  });
  after(async () => {
    await h?.close();
  });

  test('a click redirects to the link the email contained, records open and click, and an order converts', async () => {
    await h.request('POST', '/v1/events', {
      type: 'customer.created',
      customerId: 'cust-track',
      properties: { email: 'track@example.com', marketingConsent: true },
    });
    const email = await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'track@example.com'), 20_000);
    const html = email.body.html;
    assert.doesNotMatch(html, /href="https:\/\/shop\.example\.com"/, 'shop links are wrapped');
    const click = /href="(http:\/\/127\.0\.0\.1:\d+\/t\/c\/[^"]+)"/.exec(html)?.[1];
    const pixel = /src="(http:\/\/127\.0\.0\.1:\d+\/t\/o\/[^"]+)"/.exec(html)?.[1];
    assert.ok(click && pixel, 'a tracked link and an open pixel');
    assert.match(html, /\/u\/[\w-]+\.[\w-]+/, 'the unsubscribe link is not wrapped');

    // A person reads it a minute later (a click within seconds of the send is a link scanner's).
    await h.db.query(`UPDATE messages SET sent_at = sent_at - interval '1 minute' WHERE customer_id = 'cust-track'`);
    const redirect = await fetch(click, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), 'https://shop.example.com');
    const gif = await fetch(pixel);
    assert.equal(gif.headers.get('content-type'), 'image/gif');

    const message = (await h.request('GET', '/v1/messages?customerId=cust-track')).body.messages[0];
    assert.ok(message.openedAt && message.clickedAt);

    await h.request('POST', '/v1/events', {
      type: 'order.placed',
      customerId: 'cust-track',
      properties: { orderId: 'o-track', total: 42.5, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: 42.5, quantity: 1 }] },
    });
    const stats = await h.request('GET', '/v1/stats/journeys?journey=welcome');
    assert.equal(stats.status, 200);
    const step = stats.body.journeys[0].steps.find((s: { step: string }) => s.step === 'welcome-email');
    assert.equal(step.sent, 1);
    assert.equal(step.opened, 1);
    assert.equal(step.clicked, 1);
    assert.equal(step.converted, 1);
    assert.deepEqual(step.revenue, { EUR: 42.5 });
  });

  test('forged or out-of-range click tokens lead nowhere', async () => {
    const forged = `${h.url}/t/c/${signToken('wrong-secret-0123456789', { p: 'click', c: 'cust-track', m: 1, x: '0' })}`;
    assert.equal((await fetch(forged, { redirect: 'manual' })).status, 404);
    const outOfRange = `${h.url}/t/c/${signToken(h.config.tokenSecret, { p: 'click', c: 'cust-track', m: 1, x: '99' })}`;
    assert.equal((await fetch(outOfRange, { redirect: 'manual' })).status, 404);
    const wrongPurpose = `${h.url}/t/c/${signToken(h.config.tokenSecret, { p: 'open', c: 'cust-track', m: 1, x: '0' })}`;
    assert.equal((await fetch(wrongPurpose, { redirect: 'manual' })).status, 404);
    const badQuery = await h.request('GET', '/v1/stats/journeys?since=yesterday');
    assert.equal(badQuery.status, 422);
  });
});
