import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unsubscribe } from '../../api/routes/unsubscribe';
import { suppress } from '../../api/routes/webhooks';
import { eraseCustomer, type JourneyControl } from '../../api/erasure';
import { startSendHarness, transactionalInput, type SendHarness } from './harness';

/**
 * A send retried by Temporal after the provider refused it, lost its answer, or met a
 * reused key: the real send path, the real resend SDK, the fake Resend over HTTP.
 */
/** Erasure without Temporal: no running journeys to end. */
const noJourneys = {
  workflow: {
    list: async function* () {},
    getHandle: () => {
      throw new Error('no journeys');
    },
  },
} as unknown as JourneyControl;

describe('send retries', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  async function ledger(key: string) {
    return (
      await h.db.pool.query('SELECT status, skip_reason, provider_message_id FROM messages WHERE idempotency_key = $1', [key])
    ).rows[0];
  }

  /** The first attempt meets a 429: the provider definitely did not take it. */
  async function refusedOnce(input: Parameters<SendHarness['send']>[0]) {
    h.resend.failNext(429);
    await assert.rejects(h.send(input), /resend 429/);
    assert.equal((await ledger(input.idempotencyKey)).status, 'pending');
  }

  test('a retry after the provider refused re-checks the unsubscribe and sends nothing', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-unsub');
    await refusedOnce({ customerId: 'r-unsub', idempotencyKey: 'r/unsub/1' });
    await unsubscribe(h.db.pool, 'r-unsub', 'test');
    const calls = h.resend.requests;
    assert.deepEqual(await h.send({ customerId: 'r-unsub', idempotencyKey: 'r/unsub/1' }), { status: 'skipped', reason: 'unsubscribed' });
    assert.equal(h.resend.requests, calls, 'no provider call after the unsubscribe');
    assert.equal((await ledger('r/unsub/1')).status, 'skipped');
  });

  test('a retry re-checks withdrawn consent, a suppression and an erasure', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-consent');
    await h.customer('r-suppressed');
    await h.customer('r-erased');
    await refusedOnce({ customerId: 'r-consent', idempotencyKey: 'r/consent/1' });
    await refusedOnce({ customerId: 'r-suppressed', idempotencyKey: 'r/suppressed/1' });
    h.resend.failNext(429);
    await assert.rejects(h.activities.sendMessage(transactionalInput('r-erased', 'o-r-erased')));

    await h.customer('r-consent', { marketingConsent: false }, '2026-01-15T12:01:00Z');
    await suppress(h.db.pool, ['r-suppressed@example.com'], 'complaint', 'test');
    await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: noJourneys }, 'r-erased', h.now);
    const calls = h.resend.requests;
    assert.deepEqual(await h.send({ customerId: 'r-consent', idempotencyKey: 'r/consent/1' }), { status: 'skipped', reason: 'no_consent' });
    assert.deepEqual(await h.send({ customerId: 'r-suppressed', idempotencyKey: 'r/suppressed/1' }), { status: 'skipped', reason: 'suppressed' });
    const erased = await h.activities.sendMessage(transactionalInput('r-erased', 'o-r-erased'));
    assert.equal(erased.status, 'skipped');
    assert.equal(h.resend.requests, calls, 'no provider call for any of them');
  });

  test("a retry re-checks the journey's exit: an order placed since the claim ends a cart reminder", async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-ordered');
    const input = { customerId: 'r-ordered', idempotencyKey: 'r/ordered/1', endsOnOrder: true };
    await refusedOnce(input);
    await h.db.pool.query(
      `INSERT INTO orders (id, customer_id, total, currency, placed_at) VALUES ('o-r-ordered', 'r-ordered', 10, 'EUR', '2026-01-15T12:00:30Z')`,
    );
    h.setNow('2026-01-15T12:01:00Z');
    const calls = h.resend.requests;
    assert.deepEqual(await h.send(input), { status: 'skipped', reason: 'exit_event_before_retry' });
    assert.equal(h.resend.requests, calls);
  });

  test('retries the provider refuses are bounded: the row ends failed, and no further call is made', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-bounded');
    h.resend.failNext(429, 50);
    try {
      let outcome: unknown;
      let attempts = 0;
      for (; attempts < 30 && outcome === undefined; attempts++) {
        outcome = await h.send({ customerId: 'r-bounded', idempotencyKey: 'r/bounded/1' }).catch(() => undefined);
      }
      assert.deepEqual(outcome, { status: 'failed', reason: 'provider_unavailable' });
      assert.ok(attempts <= 12, `gave up after ${attempts} attempts`);
      const calls = h.resend.requests;
      assert.deepEqual(await h.send({ customerId: 'r-bounded', idempotencyKey: 'r/bounded/1' }), outcome);
      assert.equal(h.resend.requests, calls);
    } finally {
      h.resend.clearFailures();
    }
  });

  test('a transactional send, tried again every 20 s at most, gets as many refusals as half an hour holds before it gives up', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-bounded-tx');
    h.resend.failNext(429, 200);
    try {
      const input = transactionalInput('r-bounded-tx', 'o-bounded-tx');
      let outcome: unknown;
      let attempts = 0;
      for (; attempts < 120 && outcome === undefined; attempts++) {
        outcome = await h.activities.sendMessage(input).catch(() => undefined);
      }
      assert.deepEqual(outcome, { status: 'failed', reason: 'provider_unavailable' });
      assert.equal(attempts, 90, 'not after the ten refusals of a marketing send');
    } finally {
      h.resend.clearFailures();
    }
  });

  test('a retry sends exactly the email rendered at claim time, even when the profile changed meanwhile', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-payload', { firstName: 'Ada' });
    await refusedOnce({ customerId: 'r-payload', idempotencyKey: 'r/payload/1' });
    await h.customer('r-payload', { firstName: 'Grace' }, '2026-01-15T12:01:00Z');
    const out = await h.send({ customerId: 'r-payload', idempotencyKey: 'r/payload/1' });
    assert.equal(out.status, 'sent');
    const mail = h.resend.emails.at(-1)!;
    assert.deepEqual(mail.body.to, ['r-payload@example.com']);
    assert.match(mail.body.html, /Ada/);
    assert.doesNotMatch(mail.body.html, /Grace/);
  });

  test('an idempotency key longer than 256 characters is hashed, the same way on every attempt', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-long');
    const key = `welcome/${'x'.repeat(300)}/step`;
    h.resend.failNext(429);
    await assert.rejects(h.send({ customerId: 'r-long', idempotencyKey: key }));
    const out = await h.send({ customerId: 'r-long', idempotencyKey: key });
    assert.equal(out.status, 'sent');
    const sent = h.resend.emails.at(-1)!;
    assert.ok(sent.idempotencyKey && sent.idempotencyKey.length <= 256, `key of ${sent.idempotencyKey?.length} chars`);
    const before = h.resend.emails.length;
    // A third attempt (a zombie worker) reaches the provider with the same key: no second email.
    await h.db.pool.query(`UPDATE messages SET status = 'pending' WHERE idempotency_key = $1`, [key]);
    assert.equal((await h.send({ customerId: 'r-long', idempotencyKey: key })).status, 'sent');
    assert.equal(h.resend.emails.length, before);
  });

  test("Resend's 409 for a concurrent request with the key is retried; the send then goes out once", async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-409-busy');
    h.resend.failNext(409, 1, 'concurrent_idempotent_requests');
    await assert.rejects(h.send({ customerId: 'r-409-busy', idempotencyKey: 'r/409-busy/1' }), /409/);
    assert.equal((await ledger('r/409-busy/1')).status, 'pending');
    assert.equal((await h.send({ customerId: 'r-409-busy', idempotencyKey: 'r/409-busy/1' })).status, 'sent');
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'r-409-busy@example.com').length, 1);
  });

  test("Resend's 409 for a key used with another payload means it accepted an earlier attempt: sent, never failed", async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-409-used');
    h.resend.failNext(409, 1, 'invalid_idempotent_request');
    const out = await h.send({ customerId: 'r-409-used', idempotencyKey: 'r/409-used/1' });
    assert.equal(out.status, 'sent');
    assert.equal((await ledger('r/409-used/1')).status, 'sent');
  });

  test('a send the provider accepted whose answer was lost is confirmed by the retry, with the same provider id', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-lost');
    h.resend.loseNextResponse();
    await assert.rejects(h.send({ customerId: 'r-lost', idempotencyKey: 'r/lost/1' }));
    const accepted = h.resend.emails.at(-1)!;
    // The customer unsubscribes meanwhile: the provider already has the email, so the retry
    // must learn its id rather than call it skipped.
    await unsubscribe(h.db.pool, 'r-lost', 'test');
    const out = await h.send({ customerId: 'r-lost', idempotencyKey: 'r/lost/1' });
    assert.deepEqual(out, { status: 'sent', messageId: (out as { messageId: number }).messageId, providerMessageId: accepted.id });
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'r-lost@example.com').length, 1);
  });

  test('a 429 on the retry of a send in doubt proves nothing about the earlier attempt: still sent once, never skipped', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-doubt-429');
    h.resend.loseNextResponse();
    await assert.rejects(h.send({ customerId: 'r-doubt-429', idempotencyKey: 'r/doubt-429/1' }));
    const accepted = h.resend.emails.at(-1)!;
    // The retry meets the provider's rate limit, which refuses this request only: the first
    // one may well have been accepted (here it was, and the customer reads it and unsubscribes).
    h.resend.failNext(429);
    await assert.rejects(h.send({ customerId: 'r-doubt-429', idempotencyKey: 'r/doubt-429/1' }), /resend 429/);
    await unsubscribe(h.db.pool, 'r-doubt-429', 'test');
    const out = await h.send({ customerId: 'r-doubt-429', idempotencyKey: 'r/doubt-429/1' });
    assert.deepEqual(out, { status: 'sent', messageId: (out as { messageId: number }).messageId, providerMessageId: accepted.id });
    assert.equal((await ledger('r/doubt-429/1')).status, 'sent');
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'r-doubt-429@example.com').length, 1);
  });

  test('a send left in doubt past the provider window is recorded unconfirmed, never failed', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-doubt');
    h.resend.loseNextResponse();
    await assert.rejects(h.send({ customerId: 'r-doubt', idempotencyKey: 'r/doubt/1' }));
    h.setNow('2027-01-20T12:00:00Z');
    const calls = h.resend.requests;
    const out = await h.send({ customerId: 'r-doubt', idempotencyKey: 'r/doubt/1' });
    assert.deepEqual(out, { status: 'failed', reason: 'unconfirmed' });
    assert.equal((await ledger('r/doubt/1')).status, 'unconfirmed');
    assert.equal(h.resend.requests, calls, 'not sent again once the provider may have forgotten the key');
  });

  test('a first attempt that died before rendering is re-checked and rendered on retry', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('r-norender');
    // A claim whose worker died before the rendered email was stored: the provider never saw it.
    await h.db.pool.query(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, to_email, status, claimed_at)
       VALUES ('r/norender/1', 'test/r-norender', 'welcome', '1', 'r-norender', 'welcome', 'marketing', 'r-norender@example.com', 'pending', $1)`,
      [h.now],
    );
    await unsubscribe(h.db.pool, 'r-norender', 'test');
    const calls = h.resend.requests;
    assert.deepEqual(await h.send({ customerId: 'r-norender', idempotencyKey: 'r/norender/1' }), { status: 'skipped', reason: 'unsubscribed' });
    assert.equal(h.resend.requests, calls);
  });
});
