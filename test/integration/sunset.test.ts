import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';
import { SUNSET_SWEEP_WORKFLOW_ID, sunsetStateQuery, sunsetWorkflowId, sweepNowSignal } from '../../workflows/messages';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/**
 * Sunset over HTTP: the API starts the sweep, the sweep finds a recipient who has not engaged for
 * 120 days, the relay starts their sunset journey, and the question reaches the provider; its
 * "keep me" button, pressed on the page, ends the journey with the customer staying.
 */
describe('sunset over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ sunsetSweep: true });
  });
  after(async () => {
    await h?.close();
  });

  /** A subscriber since `days` ago (imported history: no welcome) who got one newsletter `mailedDaysAgo`. */
  async function subscriber(id: string, days: number, mailedDaysAgo: number) {
    const res = await h.request('POST', '/v1/events', {
      import: true,
      events: [{ id: `evt-${id}`, type: 'customer.created', customerId: id, occurredAt: ago(days), properties: { email: `${id}@example.com`, firstName: 'Ada', marketingConsent: true } }],
    });
    assert.equal(res.status, 202);
    // A newsletter the shop sent through us long ago, never opened.
    await h.db.query(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, sent_at)
       VALUES ($1, 'newsletter', 'welcome', 'welcome-email', $2, 'welcome', 'marketing', 'sent', $3)`,
      [`newsletter/${id}`, id, ago(mailedDaysAgo)],
    );
  }

  test('a recipient silent for 120 days gets the question; "yes, keep me" keeps them', async () => {
    // The API started the sweep; its first pass saw an empty shop.
    const sweep = h.env.client.workflow.getHandle(SUNSET_SWEEP_WORKFLOW_ID);
    await eventually(async () => sweep.describe().then((d) => d.status.name === 'RUNNING', () => undefined), 20_000, 'the sweep runs');
    await subscriber('sun-1', 300, 200);
    await subscriber('sun-fresh', 30, 20);
    await sweep.signal(sweepNowSignal);

    const email = await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'sun-1@example.com'), 30_000, 'the sunset question');
    assert.equal(email.body.subject, 'Do you still want to hear from us?');
    assert.match(email.body.text, /Yes, keep me subscribed/);
    assert.equal(email.body.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    assert.match(email.idempotencyKey ?? '', /^sunset\/sun-1\/sunset-check\//);
    const keep = /href="(http:\/\/127\.0\.0\.1:\d+\/k\/[^"]+)"/.exec(email.body.html)?.[1];
    assert.ok(keep, 'the keep-me link points at our own page, not the click redirect');

    const journey = h.env.client.workflow.getHandle(sunsetWorkflowId('sun-1'));
    // The email reaches the provider inside the send; the journey takes its next step once the send has returned.
    await eventually(async () => ((await journey.query(sunsetStateQuery)).step === 'waiting-for-engagement' ? true : undefined), 10_000, 'the journey waits for an answer');

    // A scanner's GET changes nothing; the page's POST is the customer's answer.
    const page = await fetch(keep);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Yes, keep me subscribed/);
    assert.equal((await journey.query(sunsetStateQuery)).step, 'waiting-for-engagement');
    const kept = await fetch(keep, { method: 'POST' });
    assert.equal(kept.status, 200);
    assert.match(await kept.text(), /you stay subscribed/);

    await journey.result();
    const state = await journey.query(sunsetStateQuery);
    assert.equal(state.data.outcome, 'stays');
    const customer = await h.request('GET', '/v1/customers/sun-1');
    assert.equal(customer.body.unengagedAt, null);
    const clicked = await h.db.query(`SELECT clicked_at FROM messages WHERE customer_id = 'sun-1' AND journey = 'sunset'`);
    assert.ok(clicked.rows[0].clicked_at, 'the keep-me press is a click of the question');

    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'sun-fresh@example.com').length, 0, 'a new subscriber is not lapsed');
    const journeys = await h.request('GET', '/v1/journeys');
    assert.ok(journeys.body.journeys.some((j: { name: string; category: string }) => j.name === 'sunset' && j.category === 'marketing'));
  });

  test('a forged or another purpose\'s token is refused', async () => {
    const res = await fetch(`${h.url}/k/not-a-token`, { method: 'POST' });
    assert.equal(res.status, 400);
  });
});
