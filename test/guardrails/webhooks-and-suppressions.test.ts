import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'svix';
import { API_KEY, WEBHOOK_SECRET, transactionalInput, type SendHarness, useSendHarnessAndApp } from './harness';

describe('Resend webhooks (Svix-signed) and the suppression list', () => {
  const ctx = useSendHarnessAndApp();
  const signer = new Webhook(WEBHOOK_SECRET);

  function post(body: string, headers: Record<string, string>) {
    return fetch(`${ctx.app.url}/webhooks/resend`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  }

  /** Sign exactly as Resend (Svix) does; `at` lets a test send a stale one. */
  function signed(event: unknown, options: { id?: string; at?: Date } = {}) {
    const id = options.id ?? `msg_${randomUUID()}`;
    const at = options.at ?? new Date();
    const body = JSON.stringify(event);
    return {
      id,
      body,
      headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signer.sign(id, at, body) },
    };
  }

  const resendEvent = (type: string, emailId: string, to: string, extra: Record<string, unknown> = {}) => ({
    type,
    created_at: '2026-01-15T12:05:00.000Z',
    data: { email_id: emailId, to: [to], from: 'shop@example.com', subject: 'Hi', created_at: '2026-01-15T12:00:00.000Z', ...extra },
  });

  async function sentMessage(customerId: string) {
    ctx.h.setNow('2026-01-15T12:00:00Z');
    await ctx.h.customer(customerId);
    const out = await ctx.h.activities.sendMessage(transactionalInput(customerId, `o-${customerId}`));
    assert.equal(out.status, 'sent');
    return out.status === 'sent' ? out.providerMessageId : '';
  }

  const message = async (providerId: string) =>
    (
      await ctx.h.db.pool.query(
        'SELECT delivered_at, opened_at, clicked_at, bounced_at, bounce_type, complained_at FROM messages WHERE provider_message_id = $1',
        [providerId],
      )
    ).rows[0];

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${ctx.app.url}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  test('a correctly signed event is applied to the message log; the same svix-id again is a no-op', async () => {
    const providerId = await sentMessage('c-wh-delivered');
    const delivered = signed(resendEvent('email.delivered', providerId, 'c-wh-delivered@example.com'));
    const res = await post(delivered.body, delivered.headers);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { received: true, duplicate: false });
    assert.deepEqual((await message(providerId)).delivered_at, new Date('2026-01-15T12:05:00.000Z'));

    const again = await post(delivered.body, delivered.headers);
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), { received: true, duplicate: true });
    const stored = await ctx.h.db.pool.query('SELECT count(*)::int AS n FROM webhook_events WHERE svix_id = $1', [delivered.id]);
    assert.equal(stored.rows[0].n, 1);

    for (const type of ['email.opened', 'email.clicked']) {
      const e = signed(resendEvent(type, providerId, 'c-wh-delivered@example.com'));
      assert.equal((await post(e.body, e.headers)).status, 200);
    }
    const row = await message(providerId);
    assert.ok(row.opened_at && row.clicked_at);
  });

  test('a bad signature, a tampered body, missing headers or a stale timestamp are rejected and change nothing', async () => {
    const providerId = await sentMessage('c-wh-bad');
    const good = signed(resendEvent('email.complained', providerId, 'c-wh-bad@example.com'));
    const tampered = good.body.replace('c-wh-bad@', 'someone-else@');
    const stale = signed(resendEvent('email.complained', providerId, 'c-wh-bad@example.com'), { at: new Date(Date.now() - 10 * 60_000) });
    const forged = new Webhook(`whsec_${Buffer.from('another-secret-another-secret-32').toString('base64')}`);
    const forgedHeaders = { ...good.headers, 'svix-signature': forged.sign(good.id, new Date(Number(good.headers['svix-timestamp']) * 1000), good.body) };
    const cases: [string, string, Record<string, string>][] = [
      ['tampered body', tampered, good.headers],
      ['stale timestamp', stale.body, stale.headers],
      ['other secret', good.body, forgedHeaders],
      ['no signature', good.body, { 'svix-id': good.id, 'svix-timestamp': good.headers['svix-timestamp'] }],
      ['no headers', good.body, {}],
    ];
    for (const [what, body, headers] of cases) {
      const res = await post(body, headers);
      assert.equal(res.status, 400, what);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_signature', what);
    }
    assert.equal((await message(providerId)).complained_at, null);
    assert.equal((await ctx.h.db.pool.query('SELECT 1 FROM suppressions WHERE email = $1', ['c-wh-bad@example.com'])).rowCount, 0);
    assert.equal((await ctx.h.db.pool.query('SELECT 1 FROM webhook_events WHERE svix_id IN ($1, $2)', [good.id, stale.id])).rowCount, 0);
  });

  test('a hard bounce suppresses the address: the next email, transactional too, causes no provider call', async () => {
    const providerId = await sentMessage('c-wh-hard');
    const bounce = signed(
      resendEvent('email.bounced', providerId, 'C-WH-Hard@example.com', { bounce: { type: 'Permanent', subType: 'General', message: 'no such user' } }),
    );
    assert.equal((await post(bounce.body, bounce.headers)).status, 200);
    const row = await message(providerId);
    assert.equal(row.bounce_type, 'hard');
    assert.ok(row.bounced_at);
    const suppression = await ctx.h.db.pool.query('SELECT reason, source FROM suppressions WHERE email = $1', ['c-wh-hard@example.com']);
    assert.deepEqual(suppression.rows[0], { reason: 'hard_bounce', source: `resend:${bounce.id}` });

    const calls = ctx.h.resend.requests;
    assert.deepEqual(await ctx.h.activities.sendMessage(transactionalInput('c-wh-hard', 'o-after-bounce')), { status: 'skipped', reason: 'suppressed' });
    assert.deepEqual(await ctx.h.send({ customerId: 'c-wh-hard', idempotencyKey: 'wh/hard/marketing' }), { status: 'skipped', reason: 'suppressed' });
    assert.equal(ctx.h.resend.requests, calls);
  });

  test('a soft bounce is recorded on the message but does not suppress', async () => {
    const providerId = await sentMessage('c-wh-soft');
    const bounce = signed(resendEvent('email.bounced', providerId, 'c-wh-soft@example.com', { bounce: { type: 'Transient', subType: 'MailboxFull' } }));
    assert.equal((await post(bounce.body, bounce.headers)).status, 200);
    assert.equal((await message(providerId)).bounce_type, 'soft');
    assert.equal((await ctx.h.db.pool.query('SELECT 1 FROM suppressions WHERE email = $1', ['c-wh-soft@example.com'])).rowCount, 0);
    assert.equal((await ctx.h.activities.sendMessage(transactionalInput('c-wh-soft', 'o-after-soft'))).status, 'sent');
  });

  test('a complaint suppresses the address and is recorded on the message', async () => {
    const providerId = await sentMessage('c-wh-complaint');
    const complaint = signed(resendEvent('email.complained', providerId, 'c-wh-complaint@example.com'));
    assert.equal((await post(complaint.body, complaint.headers)).status, 200);
    assert.ok((await message(providerId)).complained_at);
    const suppression = await ctx.h.db.pool.query('SELECT reason FROM suppressions WHERE email = $1', ['c-wh-complaint@example.com']);
    assert.equal(suppression.rows[0].reason, 'complaint');
  });

  test('the suppression API adds, pages, shows and removes suppressions behind the API key', async () => {
    assert.equal((await fetch(`${ctx.app.url}/v1/suppressions`)).status, 401);
    for (let i = 0; i < 5; i++) {
      const res = await api('POST', '/suppressions', { email: `Manual${i}@Example.com` });
      assert.equal(res.status, 201);
      assert.deepEqual(
        { ...((await res.json()) as Record<string, unknown>), createdAt: 'x' },
        { email: `manual${i}@example.com`, reason: 'manual', source: 'api', createdAt: 'x' },
      );
    }
    assert.equal((await api('POST', '/suppressions', { email: 'manual0@example.com' })).status, 200, 'adding twice is fine');
    assert.equal((await api('POST', '/suppressions', { email: 'not an address' })).status, 422);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api('GET', `/suppressions?reason=manual&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      const page = (await res.json()) as { suppressions: { email: string }[]; nextCursor: string | null };
      assert.ok(page.suppressions.length <= 2);
      seen.push(...page.suppressions.map((s) => s.email));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4].map((i) => `manual${i}@example.com`));
    assert.equal((await api('GET', '/suppressions?cursor=nonsense')).status, 422);

    assert.equal((await api('GET', '/suppressions/manual3@example.com')).status, 200);
    assert.equal((await api('DELETE', '/suppressions/MANUAL3@example.com')).status, 204);
    assert.equal((await api('GET', '/suppressions/manual3@example.com')).status, 404);
    assert.equal((await api('DELETE', '/suppressions/manual3@example.com')).status, 404);
    const audit = await ctx.h.db.pool.query(`SELECT subject FROM audit_log WHERE action = 'unsuppress'`);
    assert.equal(audit.rowCount, 1);
    assert.doesNotMatch(audit.rows[0].subject, /@/, 'the audit log keeps no address');
  });

  test('a manual suppression stops mail to that customer; removing it lets mail through again', async () => {
    ctx.h.setNow('2026-01-15T12:00:00Z');
    await ctx.h.customer('c-manual');
    assert.equal((await api('POST', '/suppressions', { email: 'c-manual@example.com', source: 'support ticket 42' })).status, 201);
    assert.deepEqual(await ctx.h.activities.sendMessage(transactionalInput('c-manual', 'o-manual-1')), { status: 'skipped', reason: 'suppressed' });
    assert.equal((await api('DELETE', '/suppressions/c-manual@example.com')).status, 204);
    assert.equal((await ctx.h.activities.sendMessage(transactionalInput('c-manual', 'o-manual-2'))).status, 'sent');
  });
});
