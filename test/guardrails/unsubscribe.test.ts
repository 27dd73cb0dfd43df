import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signToken } from '../../links/signed-links';
import { upsertCustomerProfile } from '../../ingest/projections';
import { TOKEN_SECRET, transactionalInput, type SendHarness, useSendHarnessAndApp } from './harness';

/** The public unsubscribe pages over HTTP (real app in-process), and their effect on the real send path. */
describe('one-click unsubscribe (RFC 8058) and re-subscribe', () => {
  const ctx = useSendHarnessAndApp();

  /** Send a marketing email and return the unsubscribe path from its List-Unsubscribe header. */
  async function unsubscribePathFromEmail(customerId: string, key: string): Promise<string> {
    ctx.h.setNow('2026-01-15T12:00:00Z');
    const out = await ctx.h.send({ customerId, idempotencyKey: key });
    assert.equal(out.status, 'sent');
    const header = ctx.h.resend.emails.at(-1)!.body.headers!['List-Unsubscribe'];
    return new URL(header.slice(1, -1)).pathname;
  }

  const customer = async (id: string) =>
    (await ctx.h.db.pool.query('SELECT marketing_consent, unsubscribed_at, consent_source FROM customers WHERE id = $1', [id])).rows[0];

  test('GET shows a page with an Unsubscribe button and changes nothing', async () => {
    await ctx.h.customer('c-get');
    const path = await unsubscribePathFromEmail('c-get', 'u/get/1');
    const res = await fetch(`${ctx.app.url}${path}`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<form method="post"/);
    assert.match(html, /Unsubscribe<\/button>/);
    assert.match(html, /c\*\*\*@example\.com/, 'shows the masked address');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await customer('c-get'), { marketing_consent: true, unsubscribed_at: null, consent_source: 'test' });
  });

  test('a one-click POST without cookies or API key unsubscribes, and the next marketing step is skipped while order mail still goes', async () => {
    await ctx.h.customer('c-oneclick');
    const path = await unsubscribePathFromEmail('c-oneclick', 'u/oneclick/1');
    const res = await fetch(`${ctx.app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.match(await res.text(), /You are unsubscribed/);
    const row = await customer('c-oneclick');
    assert.equal(row.marketing_consent, false);
    assert.ok(row.unsubscribed_at instanceof Date);
    assert.match(row.consent_source, /^unsubscribe-link:one-click:message\/\d+$/);
    const audit = await ctx.h.db.pool.query(`SELECT action, details FROM audit_log WHERE subject = 'customer:c-oneclick'`);
    assert.deepEqual(audit.rows.map((r) => r.action), ['unsubscribe']);

    const calls = ctx.h.resend.requests;
    ctx.h.setNow('2026-01-20T12:00:00Z');
    assert.deepEqual(await ctx.h.send({ customerId: 'c-oneclick', idempotencyKey: 'u/oneclick/2' }), { status: 'skipped', reason: 'unsubscribed' });
    assert.equal(ctx.h.resend.requests, calls, 'no provider call after unsubscribing');
    assert.equal((await ctx.h.activities.sendMessage(transactionalInput('c-oneclick', 'o-oneclick'))).status, 'sent');
  });

  test('the page form POST (no one-click body) unsubscribes too; repeating it keeps the first record', async () => {
    await ctx.h.customer('c-form');
    const path = await unsubscribePathFromEmail('c-form', 'u/form/1');
    const post = () => fetch(`${ctx.app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'via=page' });
    assert.equal((await post()).status, 200);
    const first = await customer('c-form');
    assert.match(first.consent_source, /^unsubscribe-link:page:/);
    assert.equal((await post()).status, 200);
    assert.deepEqual(await customer('c-form'), first);
    // An empty POST (some clients send no body) is accepted as well.
    assert.equal((await fetch(`${ctx.app.url}${path}`, { method: 'POST' })).status, 200);
  });

  test('a forged or tampered token gets a 400 page and changes nothing', async () => {
    await ctx.h.customer('c-forged');
    const forged = signToken('not-our-secret-at-all', { p: 'unsubscribe', c: 'c-forged' });
    const wrongPurpose = signToken(TOKEN_SECRET, { p: 'open', c: 'c-forged' });
    const real = signToken(TOKEN_SECRET, { p: 'unsubscribe', c: 'c-forged' });
    const tampered = `${Buffer.from(JSON.stringify({ p: 'unsubscribe', c: 'c-other' })).toString('base64url')}.${real.split('.')[1]}`;
    for (const token of [forged, wrongPurpose, tampered, 'garbage']) {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${ctx.app.url}/u/${token}`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined });
        assert.equal(res.status, 400, `${method} ${token}`);
        assert.match(await res.text(), /not valid/);
      }
    }
    assert.deepEqual(await customer('c-forged'), { marketing_consent: true, unsubscribed_at: null, consent_source: 'test' });
  });

  test('the confirmation page offers re-subscribing; GET on it changes nothing, POST mails a confirmation whose link opts in again with its source', async () => {
    await ctx.h.customer('c-resub');
    const path = await unsubscribePathFromEmail('c-resub', 'u/resub/1');
    const page = await (await fetch(`${ctx.app.url}${path}`, { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }) })).text();
    const resubscribe = /action="http:\/\/shop\.test(\/r\/[\w.-]+)"/.exec(page)?.[1];
    assert.ok(resubscribe, 'a re-subscribe form on the confirmation page');
    const get = await fetch(`${ctx.app.url}${resubscribe}`);
    assert.equal(get.status, 200);
    assert.match(await get.text(), /Send me the confirmation link<\/button>/);
    assert.equal((await customer('c-resub')).marketing_consent, false);

    const mailed = ctx.h.resend.emails.length;
    assert.equal((await fetch(`${ctx.app.url}${resubscribe}`, { method: 'POST' })).status, 200);
    assert.equal((await customer('c-resub')).marketing_consent, false, 'the page alone grants nothing');
    const confirmation = ctx.h.resend.emails.slice(mailed).find((e) => e.body.to.includes('c-resub@example.com'));
    assert.ok(confirmation, 'a confirmation went to the address');
    const confirm = /href="http:\/\/shop\.test(\/r\/[\w.-]+)"/.exec(confirmation.body.html)?.[1];
    assert.ok(confirm);
    assert.match(await (await fetch(`${ctx.app.url}${confirm}`)).text(), /Confirm: re-subscribe<\/button>/);
    assert.equal((await fetch(`${ctx.app.url}${confirm}`, { method: 'POST' })).status, 200);
    const row = await customer('c-resub');
    assert.deepEqual([row.marketing_consent, row.unsubscribed_at, row.consent_source], [true, null, 'resubscribe-confirmation']);
    ctx.h.setNow('2026-01-20T12:00:00Z');
    assert.equal((await ctx.h.send({ customerId: 'c-resub', idempotencyKey: 'u/resub/2' })).status, 'sent');
    // An unsubscribe token does not work as a re-subscribe token.
    assert.equal((await fetch(`${ctx.app.url}/r/${path.slice(3)}`, { method: 'POST' })).status, 400);
  });

  test("a later marketingConsent:true re-subscribes only as a change of the shop's value that occurred after the unsubscribe", async () => {
    await ctx.h.customer('c-later', {}, '2026-01-01T00:00:00Z');
    const path = await unsubscribePathFromEmail('c-later', 'u/later/1');
    await fetch(`${ctx.app.url}${path}`, { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }) });
    const unsubscribedAt: Date = (await customer('c-later')).unsubscribed_at;

    // A profile sync that echoes consent as of before the unsubscribe does not undo it.
    const before = new Date(unsubscribedAt.getTime() - 60_000).toISOString();
    await upsertCustomerProfile(ctx.h.db.pool, 'c-later', { marketingConsent: true, firstName: 'Late' }, { source: 'event:customer.updated:stale', at: before });
    let row = await customer('c-later');
    assert.equal(row.marketing_consent, false);
    assert.ok(row.unsubscribed_at);

    // Nor does a sync after it that repeats the shop's value (true).
    const repeat = new Date(unsubscribedAt.getTime() + 30_000).toISOString();
    await upsertCustomerProfile(ctx.h.db.pool, 'c-later', { marketingConsent: true }, { source: 'event:customer.updated:sync', at: repeat });
    assert.ok((await customer('c-later')).unsubscribed_at);

    // A change of the shop's value to true after it does (the shop recorded our unsubscribe,
    // then the customer opted in again there), and is recorded as the consent's source.
    const followed = new Date(unsubscribedAt.getTime() + 40_000).toISOString();
    await upsertCustomerProfile(ctx.h.db.pool, 'c-later', { marketingConsent: false }, { source: 'event:customer.updated:follow', at: followed });
    const afterwards = new Date(unsubscribedAt.getTime() + 60_000).toISOString();
    await upsertCustomerProfile(ctx.h.db.pool, 'c-later', { marketingConsent: true }, { source: 'event:customer.updated:fresh', at: afterwards });
    row = await customer('c-later');
    assert.deepEqual([row.marketing_consent, row.unsubscribed_at, row.consent_source], [true, null, 'event:customer.updated:fresh']);
  });
});
