import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eraseCustomer } from '../../api/erasure';
import { signToken } from '../../links/signed-links';
import { upsertCustomerProfile } from '../../ingest/projections';
import { noJourneys, type SendHarness, useSendHarnessAndApp } from '../guardrails/harness';

/** Links in emails: bound to the address and the customer's epoch, expiring, and re-subscribe confirmed by the address itself. */
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('signed links', () => {
  const ctx = useSendHarnessAndApp();

  /** Mail the customer a marketing email and return its unsubscribe link, pointed at the test app. */
  async function unsubscribeLink(customerId: string): Promise<string> {
    const before = ctx.h.resend.emails.length;
    const outcome = await ctx.h.send({ customerId, idempotencyKey: `welcome/${customerId}/welcome-email/${before}` });
    assert.equal(outcome.status, 'sent');
    const header = ctx.h.resend.emails.at(-1)!.body.headers?.['List-Unsubscribe'] ?? '';
    const url = /<([^>]+)>/.exec(header)![1];
    return url.replace(ctx.h.config.publicUrl, ctx.app.url);
  }

  test('an unsubscribe link stops working after erasure, also when the id is reused', async () => {
    await ctx.h.customer('c-link-erase', { email: 'first-owner@example.com' });
    const link = await unsubscribeLink('c-link-erase');
    assert.equal((await fetch(link)).status, 200);
    await eraseCustomer({ db: ctx.h.db.pool, temporal: noJourneys, secret: ctx.h.config.pseudonymSecret }, 'c-link-erase');
    await upsertCustomerProfile(ctx.h.db.pool, 'c-link-erase', { email: 'someone-else@example.com', marketingConsent: true }, { source: 'test', at: new Date(Date.now() + 1000).toISOString() });
    assert.equal((await fetch(link)).status, 400, 'the link of the erased customer does not reach the new owner of the id');
    assert.equal((await fetch(link, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' })).status, 400);
    const row = (await ctx.h.db.pool.query('SELECT unsubscribed_at FROM customers WHERE id = $1', ['c-link-erase'])).rows[0];
    assert.equal(row.unsubscribed_at, null, 'the new owner was not unsubscribed by an old link');
  });

  test("a link mailed to an old address does not act on the customer's new address", async () => {
    await ctx.h.customer('c-link-move', { email: 'old-address@example.com' });
    const link = await unsubscribeLink('c-link-move');
    await upsertCustomerProfile(ctx.h.db.pool, 'c-link-move', { email: 'new-address@example.com' }, { source: 'test', at: new Date(Date.now() + 1000).toISOString() });
    assert.equal((await fetch(link, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' })).status, 400);
  });

  test('a link past its lifetime is refused; a forged or cross-purpose one too', async () => {
    await ctx.h.customer('c-link-old', { email: 'old-link@example.com' });
    const link = await unsubscribeLink('c-link-old');
    const [body] = link.split('/u/')[1].split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const expired = signToken(ctx.h.config.tokenSecret, { ...payload, t: Math.floor(Date.now() / 1000) - 60 });
    assert.equal((await fetch(`${ctx.app.url}/u/${expired}`)).status, 400, 'expired');
    assert.equal((await fetch(`${ctx.app.url}/u/${signToken('another-secret-0123456789', payload)}`)).status, 400, 'forged');
    const token = link.split('/u/')[1];
    assert.equal((await fetch(`${ctx.app.url}/r/${token}`)).status, 400, 'an unsubscribe token is no re-subscribe token');
    assert.equal((await fetch(`${ctx.app.url}/remind/${token}`)).status, 400, 'nor a snooze token');
    const legacyResubscribe = signToken(ctx.h.config.tokenSecret, { p: 'resubscribe', c: 'c-link-old' });
    assert.equal((await fetch(`${ctx.app.url}/r/${legacyResubscribe}`)).status, 400, 'a re-subscribe link without expiry and holder (as mailed before) no longer works');
  });

  test("a forwarded email's unsubscribe page cannot re-subscribe: only the confirmation mailed to the address can", async () => {
    await ctx.h.customer('c-link-fwd', { email: 'original@example.com' });
    const link = await unsubscribeLink('c-link-fwd');
    const page = await (await fetch(link, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' })).text();
    const resubscribe = /action="([^"]*\/r\/[^"]+)"/.exec(page)![1].replace(ctx.h.config.publicUrl, ctx.app.url);
    const mailed = ctx.h.resend.emails.length;

    // Whoever holds the forwarded email presses "re-subscribe"…
    assert.equal((await fetch(resubscribe, { method: 'POST', headers: form, body: '' })).status, 200);
    let row = (await ctx.h.db.pool.query('SELECT marketing_consent, unsubscribed_at FROM customers WHERE id = $1', ['c-link-fwd'])).rows[0];
    assert.deepEqual([row.marketing_consent, row.unsubscribed_at !== null], [false, true], 'no consent from the page alone');

    // …and the address itself receives the confirmation, whose link grants consent.
    const confirmation = await waitFor(() => ctx.h.resend.emails.slice(mailed).find((e) => e.body.to.includes('original@example.com')));
    const confirm = /href="([^"]*\/r\/[^"]+)"/.exec(confirmation.body.html)![1].replace(/&amp;/g, '&').replace(ctx.h.config.publicUrl, ctx.app.url);
    assert.notEqual(confirm, resubscribe);
    assert.equal((await fetch(confirm)).status, 200, 'GET only shows the page');
    row = (await ctx.h.db.pool.query('SELECT marketing_consent FROM customers WHERE id = $1', ['c-link-fwd'])).rows[0];
    assert.equal(row.marketing_consent, false);
    assert.equal((await fetch(confirm, { method: 'POST', headers: form, body: '' })).status, 200);
    row = (await ctx.h.db.pool.query('SELECT marketing_consent, unsubscribed_at, consent_source FROM customers WHERE id = $1', ['c-link-fwd'])).rows[0];
    assert.deepEqual([row.marketing_consent, row.unsubscribed_at, row.consent_source], [true, null, 'resubscribe-confirmation']);
  });
});

async function waitFor<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the confirmation email');
    await new Promise((r) => setTimeout(r, 50));
  }
}
