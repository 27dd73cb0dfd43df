import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultJourneysConfig } from '../../config/journeys';
import { setJourneyPaused } from '../../activities/journey-controls';
import { startSendHarness, transactionalInput, type SendHarness } from './harness';

/** The real send path on a real database: send windows ('immediate' steps) and paused journeys. */
describe('send windows', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('an immediate welcome email goes out at 01:00 local time; a standard step at 01:00 waits for 08:00', async () => {
    h.setNow('2026-01-15T00:00:00Z'); // 01:00 in Berlin (CET)
    await h.customer('c-late-signup', { timezone: 'Europe/Berlin' });
    const welcome = await h.send({ customerId: 'c-late-signup', idempotencyKey: 'welcome/c-late-signup/welcome-email', sendWindow: 'immediate' });
    assert.equal(welcome.status, 'sent');
    assert.deepEqual(h.resend.emails.at(-1)!.body.to, ['c-late-signup@example.com']);

    const reminder = await h.send({ customerId: 'c-late-signup', idempotencyKey: 'welcome/c-late-signup/welcome-reminder' });
    assert.deepEqual(reminder, { status: 'deferred', reason: 'quiet_hours', retryAt: '2026-01-15T07:00:00.000Z' });
  });

  test('an immediate step is not held by the frequency cap; the next standard step is', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('c-capped', {});
    assert.equal((await h.send({ customerId: 'c-capped', idempotencyKey: 'other/c-capped/promo' })).status, 'sent');
    const welcome = await h.send({ customerId: 'c-capped', idempotencyKey: 'welcome/c-capped/welcome-email', sendWindow: 'immediate', onCap: 'defer' });
    assert.equal(welcome.status, 'sent', 'the cap does not hold the answer to a sign-up');
    const next = await h.send({ customerId: 'c-capped', idempotencyKey: 'other/c-capped/next' });
    assert.deepEqual(next, { status: 'skipped', reason: 'frequency_cap' });
  });

  test('consent and suppression still apply to an immediate step', async () => {
    h.setNow('2026-01-15T00:30:00Z');
    await h.customer('c-imm-no-consent', { marketingConsent: false });
    const calls = h.resend.requests;
    assert.deepEqual(await h.send({ customerId: 'c-imm-no-consent', idempotencyKey: 'k/imm/no-consent', sendWindow: 'immediate' }), {
      status: 'skipped',
      reason: 'no_consent',
    });
    await h.customer('c-imm-suppressed', {});
    await h.db.pool.query(`INSERT INTO suppressions (email, reason, source) VALUES ('c-imm-suppressed@example.com', 'complaint', 'test')`);
    assert.deepEqual(await h.send({ customerId: 'c-imm-suppressed', idempotencyKey: 'k/imm/suppressed', sendWindow: 'immediate' }), {
      status: 'skipped',
      reason: 'suppressed',
    });
    assert.equal(h.resend.requests, calls, 'no provider call');
  });
});

describe('paused journeys at send time', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness({}, { leadNurture: { enabled: false } });
  });
  after(async () => {
    await h?.close();
  });

  test("a paused journey's marketing send is skipped journey_paused; after resume the next one goes out", async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('c-paused', {});
    await setJourneyPaused(h.db.pool, h.config.journeys, 'abandoned-cart', true);
    const calls = h.resend.requests;
    const skipped = await h.send({ customerId: 'c-paused', idempotencyKey: 'abandoned-cart/c-paused/first-reminder/1', journey: 'abandoned-cart' });
    assert.deepEqual(skipped, { status: 'skipped', reason: 'journey_paused' });
    assert.equal(h.resend.requests, calls, 'no provider call');
    const logged = await h.db.pool.query('SELECT status, skip_reason FROM messages WHERE idempotency_key = $1', ['abandoned-cart/c-paused/first-reminder/1']);
    assert.deepEqual(logged.rows[0], { status: 'skipped', skip_reason: 'journey_paused' });

    // Other journeys are not affected.
    assert.equal((await h.send({ customerId: 'c-paused', idempotencyKey: 'welcome/c-paused/welcome-email', sendWindow: 'immediate' })).status, 'sent');

    await setJourneyPaused(h.db.pool, h.config.journeys, 'abandoned-cart', false);
    h.setNow('2026-01-16T12:00:00Z');
    const resumed = await h.send({ customerId: 'c-paused', idempotencyKey: 'abandoned-cart/c-paused/first-reminder/2', journey: 'abandoned-cart' });
    assert.equal(resumed.status, 'sent');
  });

  test('a force-paused transactional journey holds its transactional mail too', async () => {
    await h.customer('c-order-paused', {});
    await setJourneyPaused(h.db.pool, h.config.journeys, 'order', true, { forced: true });
    try {
      assert.deepEqual(await h.activities.sendMessage(transactionalInput('c-order-paused', 'o-paused-1')), {
        status: 'skipped',
        reason: 'journey_paused',
      });
    } finally {
      await setJourneyPaused(h.db.pool, h.config.journeys, 'order', false);
    }
    assert.equal((await h.activities.sendMessage(transactionalInput('c-order-paused', 'o-paused-2'))).status, 'sent');
  });

  test('enabled: false in the config pauses a journey until the API resumes it', async () => {
    h.setNow('2026-01-20T12:00:00Z');
    await h.customer('c-nurture', {});
    const input = (n: number) => ({ customerId: 'c-nurture', idempotencyKey: `lead-nurture/c-nurture/nurture-piece/${n}`, journey: 'lead-nurture' });
    assert.deepEqual(await h.send(input(1)), { status: 'skipped', reason: 'journey_paused' });
    await setJourneyPaused(h.db.pool, h.config.journeys, 'lead-nurture', false);
    assert.equal((await h.send(input(2))).status, 'sent');
    assert.equal(defaultJourneysConfig.leadNurture.enabled, true, 'the default config enables every journey');
  });
});
