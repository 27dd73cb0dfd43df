import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import { createResendMailer } from '../../activities/email/resend-mailer';
import { assignVariant, decideWinnerIfReady, holdoutGroupOf } from '../../activities/experiments';
import { JourneysConfigSchema } from '../../config/journeys';
import { storeEvents } from '../../ingest/store';
import { API_KEY, NO_QUIET_HOURS, marketingInput, startApp, startSendHarness, transactionalInput, type RunningApp, type SendHarness } from '../guardrails/harness';

/**
 * A/B tests and holdouts on the real send path (real database, fake Resend over HTTP) and in
 * the real stats route.
 */
const journeys = JourneysConfigSchema.parse({
  experiments: [
    {
      id: 'welcome-subject',
      journey: 'welcome',
      step: 'welcome-email',
      metric: 'click',
      variants: [
        { name: 'control', weight: 1 },
        { name: 'bigger-offer', weight: 1, subject: 'A bigger welcome: 20 % off', couponPercentOff: 20 },
      ],
    },
    {
      id: 'win-back-auto',
      journey: 'win-back',
      step: 'win-back',
      metric: 'click',
      variants: [{ name: 'a' }, { name: 'b' }],
      autoWinner: { minRecipientsPerVariant: 500, confidence: 0.9 },
    },
  ],
  holdouts: { 'abandoned-cart': { percent: 50 }, 'lead-nurture': { percent: 20 } },
  coupons: { maxRedemptionsByJourney: { welcome: 2 } },
});

describe('A/B tests and holdouts on the send path', () => {
  let h: SendHarness;
  let app: RunningApp;
  let activities: ReturnType<typeof createActivities>;
  before(async () => {
    h = await startSendHarness(NO_QUIET_HOURS);
    h.setNow(new Date());
    activities = createActivities({
      db: h.db.pool,
      mailer: createResendMailer({ apiKey: 're_test_key', baseUrl: h.resend.url }),
      clock: () => h.now,
      config: { publicUrl: h.config.publicUrl, tokenSecret: h.config.tokenSecret, mail: h.config.mail, journeys: { ...journeys, guardrails: h.config.journeys.guardrails } },
    });
    app = await startApp(h, {}, { ...h.config, journeys: { ...h.config.journeys, experiments: journeys.experiments, holdouts: journeys.holdouts } });
  });
  after(async () => {
    await app?.close();
    await h?.close();
  });

  const message = async (key: string) =>
    (await h.db.pool.query('SELECT status, skip_reason, subject, template, experiment_id, variant, variant_phase, holdout_group, coupon_code FROM messages WHERE idempotency_key = $1', [key])).rows[0];
  const welcome = (customerId: string) =>
    marketingInput({ customerId, idempotencyKey: `welcome/${customerId}/welcome-email`, workflowId: `welcome/${customerId}`, journey: 'welcome', step: 'welcome-email' });

  test('each customer gets their variant: its subject and offer, recorded on the message', async () => {
    const seen = new Set<string>();
    for (let i = 0; seen.size < 2 && i < 40; i++) {
      const customerId = `c-ab-${i}`;
      await h.customer(customerId);
      const outcome = await activities.sendMessage(welcome(customerId));
      assert.equal(outcome.status, 'sent');
      const variant = assignVariant(journeys.experiments[0], customerId).name;
      seen.add(variant);
      const row = await message(`welcome/${customerId}/welcome-email`);
      assert.deepEqual([row.experiment_id, row.variant, row.variant_phase], ['welcome-subject', variant, 'test']);
      const mail = h.resend.emails.at(-1)!.body;
      const coupon = (await h.db.pool.query('SELECT percent_off, max_redemptions FROM coupons WHERE code = $1', [row.coupon_code])).rows[0];
      assert.equal(coupon.max_redemptions, 2, 'coupons.maxRedemptionsByJourney is fixed on the code when it is issued');
      if (variant === 'bigger-offer') {
        assert.equal(mail.subject, 'A bigger welcome: 20 % off');
        assert.equal(row.subject, 'A bigger welcome: 20 % off');
        assert.equal(coupon.percent_off, 20);
      } else {
        assert.notEqual(mail.subject, 'A bigger welcome: 20 % off');
        assert.equal(coupon.percent_off, 10);
      }
      // A retry of the same send is the same variant and no second email.
      const emails = h.resend.emails.length;
      await activities.sendMessage(welcome(customerId));
      assert.equal(h.resend.emails.length, emails);
    }
    assert.deepEqual([...seen].sort(), ['bigger-offer', 'control'], 'both variants were sent');
  });

  test('a control customer of a journey with a holdout gets none of its marketing, and is logged as held out', async () => {
    const control = Array.from({ length: 40 }, (_, i) => `c-hold-${i}`).find((c) => holdoutGroupOf('abandoned-cart', 50, c) === 'control')!;
    const treated = Array.from({ length: 40 }, (_, i) => `c-hold-${i}`).find((c) => holdoutGroupOf('abandoned-cart', 50, c) === 'treated')!;
    for (const customerId of [control, treated]) await h.customer(customerId);
    const cartSend = (customerId: string, step: string) =>
      activities.sendMessage(
        marketingInput({
          customerId,
          idempotencyKey: `abandoned-cart/${customerId}/${step}`,
          workflowId: `abandoned-cart/${customerId}`,
          journey: 'abandoned-cart',
          step,
          template: 'welcome',
        }),
      );
    const before = h.resend.emails.length;
    assert.deepEqual(await cartSend(control, 'first-reminder'), { status: 'skipped', reason: 'holdout' });
    assert.deepEqual(await cartSend(control, 'second-reminder'), { status: 'skipped', reason: 'holdout' });
    assert.equal(h.resend.emails.length, before, 'no email of the journey reached the control customer');
    const held = await message(`abandoned-cart/${control}/first-reminder`);
    assert.deepEqual([held.status, held.skip_reason, held.holdout_group, held.coupon_code], ['skipped', 'holdout', 'control', null], 'no coupon issued either');
    // Transactional mail is never held out.
    assert.equal((await activities.sendMessage(transactionalInput(control, `o-${control}`))).status, 'sent');
    assert.equal((await cartSend(treated, 'first-reminder')).status, 'sent');
    assert.equal((await message(`abandoned-cart/${treated}/first-reminder`)).holdout_group, 'treated');

    // Both groups are counted the same way: the control customer's order shows in the holdout stats.
    const order = (customerId: string, orderId: string, total: number) => ({
      type: 'order.placed' as const,
      customerId,
      occurredAt: new Date(Date.now() + 1000).toISOString(),
      properties: { orderId, total, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: total, quantity: 1 }] },
    });
    await storeEvents(h.db.pool, [order(control, 'o-hold-control', 30)]);
    const res = await fetch(`${app.url}/v1/stats/journeys?journey=abandoned-cart`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const stats = ((await res.json()) as any).journeys[0];
    assert.equal(stats.holdout.percent, 50);
    assert.deepEqual(stats.holdout.control, { customers: 1, converted: 1, conversionRate: 1, revenue: { EUR: 30 }, revenuePerCustomer: { EUR: 30 } });
    assert.deepEqual(stats.holdout.treated, { customers: 1, converted: 0, conversionRate: 0, revenue: {}, revenuePerCustomer: {} });
    assert.equal(stats.steps.find((s: { step: string }) => s.step === 'first-reminder').skipped.holdout, 1);
  });

  test('the auto-winner waits for the minimum sample and the confidence, decides once, logs it, and new sends get the winner', async () => {
    const e = journeys.experiments[1];
    // 500 recipients per variant; a: 50 clicks (10 %), b: 75 clicks (15 %): z = 2.39, confidence 0.983 ≥ 0.9.
    const seed = async (variant: string, n: number, clicks: number, offset: number) => {
      await h.db.pool.query(
        `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, sent_at, clicked_at, opened_at,
                               experiment_id, variant, variant_phase)
         SELECT 'seed/' || $1 || '/' || ($4 + i), 'win-back/seed-' || i, 'win-back', 'win-back', 'seed-' || ($4 + i), 'win-back', 'marketing', 'sent',
                now() - interval '1 day', CASE WHEN i <= $3 THEN now() END, CASE WHEN i <= $3 THEN now() END, 'win-back-auto', $1, 'test'
           FROM generate_series(1, $2) AS i`,
        [variant, n, clicks, offset],
      );
    };
    await seed('a', 500, 50, 0);
    await seed('b', 499, 75, 1000);
    assert.equal(await decideWinnerIfReady(h.db.pool, e), undefined, 'b has 499 recipients: not yet');
    await seed('b', 1, 0, 5000);
    const decided = await decideWinnerIfReady(h.db.pool, e);
    assert.equal(decided?.winner, 'b');
    assert.ok(Math.abs(decided!.confidence - 0.983) < 0.001, `confidence ${decided?.confidence}`);
    assert.equal(await decideWinnerIfReady(h.db.pool, e), undefined, 'decided once');
    const logged = (await h.db.pool.query(`SELECT details FROM audit_log WHERE action = 'experiment.winner' AND subject = 'win-back-auto'`)).rows;
    assert.equal(logged.length, 1);
    assert.equal(logged[0].details.winner, 'b');
    assert.equal(logged[0].details.variants.length, 2);

    // A customer the hash puts in a now gets the winner.
    const inA = Array.from({ length: 40 }, (_, i) => `c-late-${i}`).find((c) => assignVariant(e, c).name === 'a')!;
    await h.customer(inA);
    h.setNow(new Date(Date.now() + 48 * 3_600_000));
    const key = `win-back/${inA}/win-back/x`;
    const outcome = await activities.sendMessage(
      marketingInput({ customerId: inA, idempotencyKey: key, workflowId: `win-back/${inA}`, journey: 'win-back', step: 'win-back', template: 'win-back' }),
    );
    assert.equal(outcome.status, 'sent');
    const row = await message(key);
    assert.deepEqual([row.variant, row.variant_phase], ['b', 'winner']);

    const res = await fetch(`${app.url}/v1/stats/journeys?journey=win-back`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const [result] = ((await res.json()) as any).journeys[0].experiments;
    assert.equal(result.status, 'decided');
    assert.equal(result.decision.winner, 'b');
    assert.deepEqual(result.variants.map((v: { recipients: number; clicked: number }) => [v.recipients, v.clicked]), [[500, 50], [500, 75]], 'winner-phase sends are not evidence');
    assert.ok(Math.abs(result.variants[1].vsControl.z - 2.3905) < 1e-3);
    assert.equal(result.significance.test, 'two-proportion z-test (pooled, two-sided)');
  });

  test('holdout lift from a seeded scenario: conversion and revenue per customer, with their intervals', async () => {
    // lead-nurture: 400 treated customers (60 buy for 20 EUR), 100 in control (10 buy for 20 EUR);
    // one control customer buys only after the 30-day window, one treated customer's order is cancelled: neither counts.
    await h.db.pool.query(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, skip_reason, sent_at, holdout_group, created_at)
       SELECT 'nurture/' || i, 'lead-nurture/n-' || i, 'lead-nurture', 'piece', 'n-' || i, 'nurture-piece', 'marketing',
              CASE WHEN i <= 400 THEN 'sent' ELSE 'skipped' END, CASE WHEN i > 400 THEN 'holdout' END,
              CASE WHEN i <= 400 THEN now() - interval '10 days' END, CASE WHEN i <= 400 THEN 'treated' ELSE 'control' END,
              now() - interval '10 days'
         FROM generate_series(1, 500) AS i`,
    );
    await h.db.pool.query(
      `INSERT INTO orders (id, customer_id, total, currency, placed_at)
       SELECT 'n-order-' || i, 'n-' || i, 20, 'EUR', now() - interval '5 days'
         FROM generate_series(1, 500) AS i WHERE i <= 60 OR (i > 400 AND i <= 410)
       UNION ALL SELECT 'n-order-late', 'n-411', 500, 'EUR', now() + interval '30 days'
       UNION ALL SELECT 'n-order-cancelled', 'n-100', 80, 'EUR', now() - interval '5 days'`,
    );
    // A cancelled order converts nobody and earns nothing.
    await h.db.pool.query(`UPDATE orders SET cancelled_at = now() WHERE id = 'n-order-cancelled'`);
    const res = await fetch(`${app.url}/v1/stats/journeys?journey=lead-nurture&holdoutWindowDays=30`, { headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(res.status, 200);
    const { holdout } = ((await res.json()) as any).journeys[0];
    assert.deepEqual(holdout.treated, { customers: 400, converted: 60, conversionRate: 0.15, revenue: { EUR: 1200 }, revenuePerCustomer: { EUR: 3 } });
    assert.deepEqual(holdout.control, { customers: 100, converted: 10, conversionRate: 0.1, revenue: { EUR: 200 }, revenuePerCustomer: { EUR: 2 } });
    // d = 0.05 ± 1.96 · √(0.15·0.85/400 + 0.1·0.9/100) = [−0.0184, 0.1184]; relative lift 0.05 / 0.1 = 50 %.
    const c = holdout.lift.conversionRate;
    assert.ok(Math.abs(c.estimate - 0.05) < 1e-9 && Math.abs(c.low + 0.018424) < 1e-5 && Math.abs(c.high - 0.118424) < 1e-5, JSON.stringify(c));
    assert.ok(Math.abs(holdout.lift.relative - 0.5) < 1e-9);
    // revenue per customer: 3 − 2 = 1 ± 1.96 · √(51.128/400 + 36.364/100) = [−0.374, 2.374]
    const r = holdout.lift.revenuePerCustomer.EUR;
    assert.ok(Math.abs(r.estimate - 1) < 1e-9 && Math.abs(r.low + 0.374) < 1e-3 && Math.abs(r.high - 2.374) < 1e-3, JSON.stringify(r));
  });
});
