import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { createActivities } from '../../activities';
import { createResendMailer } from '../../activities/email/resend-mailer';
import { createOutboxMailer } from '../../activities/email/outbox-mailer';
import type { Mailer } from '../../activities/email/mailer';
import { createGuardrails, type Guardrail } from '../../activities/guardrails';
import type { SendMessageInput } from '../../activities/types';
import { unsubscribe } from '../../api/routes/unsubscribe';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { stallFirstPoolQuery, type Stall } from '../helpers/stall';
import { marketingInput, startSendHarness, TOKEN_SECRET, type SendHarness } from './harness';

/**
 * An attempt Temporal gave up on (heartbeat timeout) that is still running — a zombie — next to
 * the retry Temporal started instead. The retry decides under the customer's lock; the zombie's
 * hand-over and its "sent" do not take that lock. Whatever order their statements land in, the
 * email goes out at most once and a settled row stays settled.
 */

/** A guardrail that holds the retry's claim (after its read, before its write) until released. */
function holdingGuardrail(verdict: Awaited<ReturnType<Guardrail>>): { guardrail: Guardrail; gate: Stall } {
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const releaseP = new Promise<void>((r) => (release = r));
  const guardrail: Guardrail = async () => {
    reached();
    await releaseP;
    return verdict;
  };
  return { guardrail, gate: { reached: reachedP, release } };
}

describe('a zombie attempt next to its retry', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  const resendMailer = (resend: FakeResend = h.resend) => createResendMailer({ apiKey: 're_test_key', baseUrl: resend.url });
  const attempt = (options: { pool?: Pool; mailer: Mailer; guardrails?: Guardrail[] }) =>
    createActivities({
      db: options.pool ?? h.db.pool,
      mailer: options.mailer,
      clock: () => h.now,
      guardrails: options.guardrails,
      config: { publicUrl: h.config.publicUrl, tokenSecret: TOKEN_SECRET, mail: h.config.mail, journeys: h.config.journeys },
    });
  const realGuardrails = () => createGuardrails(h.config.journeys.guardrails, h.config.journeys);
  const quietHours = () => ({ action: 'defer' as const, reason: 'quiet_hours' as const, until: new Date(h.now.getTime() + 11 * 3600_000) });
  async function row(key: string) {
    return (
      await h.db.pool.query('SELECT status, provider_message_id, delivery FROM messages WHERE idempotency_key = $1', [key])
    ).rows[0];
  }
  async function outboxCopies(key: string) {
    return Number((await h.db.pool.query('SELECT count(*) FROM outbox WHERE idempotency_key = $1', [key])).rows[0].count);
  }

  test('a retry that read the row undecided sends the bytes a zombie handed over meanwhile, under the same key: mailed once', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    const id = 'z-handed-over';
    await h.customer(id);
    const input = marketingInput({ customerId: id, idempotencyKey: `welcome/${id}/reminder`, onCap: 'defer' });
    const before = h.resend.emails.length;
    const a = stallFirstPoolQuery(h.db.pool);
    // A's call to the provider waits too: it has handed the email over, its answer is not in.
    let providerReached!: () => void;
    let releaseProvider!: () => void;
    const atProvider = new Promise<void>((r) => (providerReached = r));
    const providerMay = new Promise<void>((r) => (releaseProvider = r));
    const real = resendMailer();
    const slowMailer: Mailer = { ...real, send: async (email) => (providerReached(), await providerMay, real.send(email)) };
    const sendingA = attempt({ pool: a.pool, mailer: slowMailer }).sendMessage(input);
    await a.stall.reached;
    const b = holdingGuardrail(quietHours());
    const sendingB = attempt({ mailer: resendMailer(), guardrails: [b.guardrail, ...realGuardrails()] }).sendMessage(input);
    await b.gate.reached;
    a.stall.release();
    await atProvider;
    assert.equal((await row(input.idempotencyKey)).delivery, 'in_doubt', 'A handed the email over');
    // B decides to defer a row A has handed over: B instead follows the hand-over.
    b.gate.release();
    const outcomeB = await sendingB;
    releaseProvider();
    const outcomeA = await sendingA;
    assert.equal(outcomeB.status, 'sent');
    assert.equal(outcomeA.status, 'sent');
    assert.equal((await row(input.idempotencyKey)).status, 'sent');
    assert.equal(h.resend.emails.length - before, 1, 'the provider took one email for the key');
    // A day later (the provider has forgotten the key) a retry finds it sent.
    const later = await startFakeResend();
    try {
      h.setNow('2026-01-16T13:00:00Z');
      assert.equal((await attempt({ mailer: resendMailer(later) }).sendMessage(input)).status, 'sent');
      assert.equal(later.emails.length, 0, 'the same email went out a second time');
    } finally {
      await later.close();
    }
  });

  for (const via of ['resend', 'outbox'] as const) {
    test(`(${via}) a retry that read the row undecided leaves it sent when the zombie sent it meanwhile; a day later nothing goes out again`, async () => {
      h.setNow('2026-01-15T12:00:00Z');
      const id = `z-sent-${via}`;
      await h.customer(id);
      const input: SendMessageInput = marketingInput({ customerId: id, idempotencyKey: `welcome/${id}/reminder`, onCap: 'defer' });
      const mailerFor = (pool: Pool) => (via === 'resend' ? resendMailer() : createOutboxMailer(pool));
      const before = h.resend.emails.length;

      // A claims the row and renders; its hand-over waits (slow render, a long GC pause).
      const a = stallFirstPoolQuery(h.db.pool);
      const sendingA = attempt({ pool: a.pool, mailer: mailerFor(a.pool) }).sendMessage(input);
      await a.stall.reached;
      // B, the retry, reads the row under the lock: pending, never handed over — undecided.
      const b = holdingGuardrail(quietHours());
      const sendingB = attempt({ mailer: mailerFor(h.db.pool), guardrails: [b.guardrail, ...realGuardrails()] }).sendMessage(input);
      await b.gate.reached;
      // A sends and marks the row sent while B is still deciding.
      a.stall.release();
      assert.equal((await sendingA).status, 'sent');
      const sentRow = await row(input.idempotencyKey);
      assert.equal(sentRow.status, 'sent');
      // B decides to defer: the row is no longer B's to decide.
      b.gate.release();
      const outcomeB = await sendingB;
      assert.deepEqual(await row(input.idempotencyKey), sentRow, 'the retry overwrote a sent row');
      assert.equal(outcomeB.status, 'sent', 'the retry reports what became of the message');

      // Workflow would retry a deferred send; past Resend's 24 h the key is forgotten (a fresh fake).
      const later = await startFakeResend();
      try {
        h.setNow('2026-01-16T13:00:00Z');
        const outcomeC = await attempt({ mailer: via === 'resend' ? resendMailer(later) : createOutboxMailer(h.db.pool) }).sendMessage(input);
        assert.equal(outcomeC.status, 'sent');
        assert.equal(later.emails.length, 0, 'the same email went out a second time');
      } finally {
        await later.close();
      }
      if (via === 'resend') assert.equal(h.resend.emails.length - before, 1);
      else assert.equal(await outboxCopies(input.idempotencyKey), 1);
    });

    test(`(${via}) a zombie hands nothing over once its retry decided the row (unsubscribed, or deferred to quiet hours)`, async () => {
      for (const decision of ['unsubscribed', 'deferred'] as const) {
        h.setNow('2026-01-15T12:00:00Z');
        const id = `z-${decision}-${via}`;
        await h.customer(id);
        const input = marketingInput({ customerId: id, idempotencyKey: `welcome/${id}/reminder`, onCap: 'defer' });
        const before = h.resend.emails.length;
        const a = stallFirstPoolQuery(h.db.pool);
        const mailerA = via === 'resend' ? resendMailer() : createOutboxMailer(a.pool);
        const sendingA = attempt({ pool: a.pool, mailer: mailerA }).sendMessage(input);
        await a.stall.reached;
        // Meanwhile B, the retry, settles the row: skipped after an unsubscribe, or deferred.
        if (decision === 'unsubscribed') await unsubscribe(h.db.pool, id, 'test');
        const guardrails = decision === 'deferred' ? [(async () => quietHours()) as Guardrail] : realGuardrails();
        const mailerB = via === 'resend' ? resendMailer() : createOutboxMailer(h.db.pool);
        const outcomeB = await attempt({ mailer: mailerB, guardrails }).sendMessage(input);
        assert.equal(outcomeB.status, decision === 'unsubscribed' ? 'skipped' : 'deferred');
        // The zombie wakes up with its rendered email.
        a.stall.release();
        await sendingA.catch(() => undefined);
        assert.equal(h.resend.emails.length - before, 0, `${decision}: the zombie mailed a message its retry had ${decision}`);
        assert.equal(await outboxCopies(input.idempotencyKey), 0, `${decision}: the zombie stored a message its retry had ${decision}`);
        const settled = await row(input.idempotencyKey);
        assert.equal(settled.status, decision === 'unsubscribed' ? 'skipped' : 'deferred');
        assert.equal(settled.delivery, null, `${decision}: the row was handed over after it was decided`);
      }
    });
  }
});
