import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';
import { customerJourneysQuery } from '../../api/journeys';

describe('welcome over HTTP (API + Postgres + Temporal dev server + fake Resend)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('customer.created with consent sends exactly one welcome email through Resend', async () => {
    const event = {
      id: 'evt-it-welcome-1',
      type: 'customer.created',
      customerId: 'cust-it-1',
      properties: { email: 'Ada@Example.com', firstName: 'Ada', marketingConsent: true, locale: 'en-GB' },
    };
    const res = await h.request('POST', '/v1/events', event);
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { id: 'evt-it-welcome-1', duplicate: false });

    // Posting the same id again is accepted and not applied twice.
    const again = await h.request('POST', '/v1/events', event);
    assert.equal(again.status, 202);
    assert.equal(again.body.duplicate, true);

    const email = await eventually(async () => h.resend.emails[0], 20_000, 'the welcome email');
    assert.deepEqual(email.body.to, ['ada@example.com']);
    assert.equal(email.body.from, 'Test Shop <shop@test.example>');
    assert.equal(email.body.subject, 'Welcome to Journeys Shop — 10% off inside');
    assert.equal(email.idempotencyKey, 'welcome/cust-it-1/welcome-email');
    assert.match(email.body.html, /Hi Ada,/);
    const code = /WELCOME-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(email.body.html)?.[0];
    assert.ok(code, 'the email shows a coupon code');
    const coupon = await h.db.query('SELECT customer_id, percent_off FROM coupons WHERE code = $1', [code]);
    assert.deepEqual(coupon.rows[0], { customer_id: 'cust-it-1', percent_off: 10 });
    assert.match(email.body.headers?.['List-Unsubscribe'] ?? '', /^<http:\/\/127\.0\.0\.1:\d+\/u\/[\w-]+\.[\w-]+>$/);
    assert.equal(email.body.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');

    // The journey is visible in Temporal by its CustomerId search attribute.
    const listed = await eventually(async () => {
      const found = [];
      for await (const wf of h.env.client.workflow.list({ query: customerJourneysQuery('cust-it-1') })) found.push(wf);
      return found.length ? found : undefined;
    }, 20_000, 'the journey in visibility');
    assert.deepEqual(listed.map((w) => [w.workflowId, w.type]), [['welcome/cust-it-1', 'welcome']]);

    // The ledger records the provider's answer just after the provider has the email.
    const log = await eventually(async () => {
      const res = await h.request('GET', '/v1/messages?customerId=cust-it-1');
      return res.body.messages?.[0]?.status === 'pending' ? undefined : res;
    }, 10_000, 'the send recorded');
    assert.equal(log.status, 200);
    assert.equal(log.body.messages.length, 1);
    assert.equal(log.body.messages[0].status, 'sent');
    assert.equal(log.body.messages[0].providerMessageId, email.id);

    const journeys = await h.request('GET', '/v1/customers/cust-it-1/journeys');
    assert.equal(journeys.body.journeys[0].step, 'waiting-for-first-order');
    assert.ok(journeys.body.journeys[0].nextWakeUp, 'reports when the reminder is due');

    // Exactly one email reached the provider, even after everything settled.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(h.resend.emails.length, 1);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /journeys_messages\{journey="welcome",status="sent",reason=""\} 1/);
    assert.match(metrics, /journeys_events_pending 0/);
    assert.match(metrics, /journeys_events_accepted_total\{duplicate="true"\} 1/);
  });

  test('retries through Resend 429 and 500 answers and still sends one email', async () => {
    h.resend.failNext(429);
    h.resend.failNext(500);
    const before = h.resend.emails.length;
    const requestsBefore = h.resend.requests;
    await h.request('POST', '/v1/events', {
      type: 'customer.created',
      customerId: 'cust-it-retry',
      properties: { email: 'retry@example.com', marketingConsent: true },
    });
    const email = await eventually(
      async () => h.resend.emails.slice(before).find((e) => e.body.to[0] === 'retry@example.com'),
      30_000,
      'the email after retries',
    );
    assert.equal(email.idempotencyKey, 'welcome/cust-it-retry/welcome-email');
    assert.ok(h.resend.requests - requestsBefore >= 3, 'two failures then a success');
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'retry@example.com').length, 1);
  });

  test('a recipient Resend rejects (422) is not retried: the message is logged failed and the journey ends', async () => {
    const requestsBefore = h.resend.requests;
    h.resend.failNext(422);
    await h.request('POST', '/v1/events', {
      type: 'customer.created',
      customerId: 'cust-it-rejected',
      properties: { email: 'rejected@example.com', marketingConsent: true },
    });
    const message = await eventually(async () => {
      const log = await h.request('GET', '/v1/messages?customerId=cust-it-rejected');
      return log.body.messages.find((m: { status: string }) => m.status === 'failed');
    }, 20_000, 'the failed message');
    assert.match(message.skipReason, /^provider_rejected/);
    const closed = await eventually(async () => {
      const desc = await h.env.client.workflow.getHandle('welcome/cust-it-rejected').describe();
      return desc.status.name === 'COMPLETED' ? desc : undefined;
    }, 20_000, 'the journey to end');
    assert.ok(closed);
    assert.equal(h.resend.requests - requestsBefore, 1, 'one call, no retries');
    assert.ok(!h.resend.emails.some((e) => e.body.to[0] === 'rejected@example.com'));
  });

  test('rejects bad input with the error envelope and stores nothing', async () => {
    const count = async () => (await h.db.query('SELECT count(*)::int AS n FROM events')).rows[0].n;
    const n0 = await count();
    const bad = await h.request('POST', '/v1/events', {
      events: [
        { type: 'customer.created', customerId: 'ok', properties: { email: 'ok@example.com' } },
        { type: 'order.placed', customerId: 'x', properties: { orderId: 'o', total: -1, currency: 'eur', items: [] } },
      ],
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'validation_failed');
    assert.ok(bad.body.error.details.some((d: { path: string }) => d.path === 'events.1.properties.total'));
    assert.equal((await h.request('POST', '/v1/events', '{not json')).status, 400);
    assert.equal((await h.request('POST', '/v1/events', 'x', { 'content-type': 'text/plain' })).status, 415);
    const unauth = await fetch(`${h.url}/v1/events`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(unauth.status, 401);
    const huge = await h.request('POST', '/v1/events', { type: 'customer.created', customerId: 'c', properties: { email: 'a@b.co', firstName: 'x'.repeat(2_000_000) } });
    assert.equal(huge.status, 413);
    assert.equal(await count(), n0);
  });
});

describe('hostile input never reaches Postgres as a 500', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('NUL characters, out-of-range money, stock and dates are 422s; odd offsets are normalised', async () => {
    const nulId = await h.request('POST', '/v1/events', { id: 'a\u0000b', type: 'order.delivered', customerId: 'c', properties: { orderId: 'o' } });
    assert.equal(nulId.status, 422);
    assert.equal((await h.request('GET', '/v1/customers/x%00y')).status, 422);
    const hugeTotal = await h.request('POST', '/v1/events', {
      type: 'order.placed',
      customerId: 'c',
      properties: { orderId: 'o', total: 2.5e307, currency: 'EUR', items: [{ productId: 'p', title: 't', price: 1, quantity: 1 }] },
    });
    assert.equal(hugeTotal.status, 422);
    const hugePrice = await h.request('PUT', '/v1/products/p-big', { title: 't', price: 3.1e16, url: 'https://x.example', stock: 1 });
    assert.equal(hugePrice.status, 422);
    const hugeStock = await h.request('PUT', '/v1/products/p-big', { title: 't', price: 3, url: 'https://x.example', stock: 2 ** 40 });
    assert.equal(hugeStock.status, 422);
    const ancient = await h.request('POST', '/v1/events', { type: 'order.delivered', customerId: 'c', occurredAt: '0913-11-09T03:19:58.6Z', properties: { orderId: 'o' } });
    assert.equal(ancient.status, 422);
    const oddOffset = await h.request('GET', `/v1/stats/journeys?since=${encodeURIComponent('2026-01-26T05:51:30+21:10')}`);
    assert.equal(oddOffset.status, 200);
    const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM events WHERE customer_id = 'c'`);
    assert.equal(rows[0].n, 0);
  });
});
