import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

describe('local outbox transport (no RESEND_API_KEY)', () => {
  let h: Harness;
  // Outside the embedded stack the outbox takes the API key like /v1.
  const outbox = (path: string) => fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${h.apiKey}` } });
  before(async () => {
    h = await startHarness({ env: { RESEND_API_KEY: '' } });
  });
  after(async () => {
    await h?.close();
  });

  test('stores the welcome email in the outbox and shows it rendered, without calling Resend', async () => {
    assert.equal(h.config.mail.transport, 'outbox');
    await h.request('POST', '/v1/events', {
      type: 'customer.created',
      customerId: 'cust-outbox',
      properties: { email: 'grace@example.com', firstName: 'Grace', marketingConsent: true },
    });
    const listed = await eventually(async () => {
      const res = await outbox(`/outbox.json`);
      const body = (await res.json()) as { messages: { id: number; to: string; subject: string; idempotencyKey: string }[] };
      return body.messages[0];
    }, 20_000, 'an outbox message');
    assert.equal(listed.to, 'grace@example.com');
    assert.equal(listed.idempotencyKey, 'welcome/cust-outbox/welcome-email');

    const page = await (await outbox(`/outbox`)).text();
    assert.match(page, /grace@example\.com/);
    assert.match(page, /Welcome to Journeys Shop/);

    const detail = await (await outbox(`/outbox/${listed.id}`)).text();
    assert.match(detail, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    const html = await outbox(`/outbox/${listed.id}/html`);
    assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const body = await html.text();
    assert.match(body, /Hi Grace,/);
    assert.match(body, /WELCOME-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/);
    assert.equal((await outbox(`/outbox/999999`)).status, 404);
    assert.equal((await outbox(`/outbox/not-a-number`)).status, 404);
    assert.equal(h.resend.requests, 0);
  });
});
