import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';
import { customerJourneysQuery } from '../../api/journeys';

/**
 * Issue 5 as a new user would try it on the real stack (API + Postgres + Temporal dev server
 * + worker + fake Resend): consent, one-click unsubscribe stopping the next step, the message
 * log showing why, and erasure ending the journeys.
 */
describe('guardrails over HTTP', () => {
  let h: Harness;
  before(async () => {
    // A short reminder delay makes "the next marketing step" reachable in real time; the cap
    // is lifted so the reminder is decided by the unsubscribe, not by smart sending.
    h = await startHarness({
      journeys: { welcome: { reminderAfter: '4 seconds' }, guardrails: { frequencyCapCount: 10 } },
    });
  });
  after(async () => {
    await h?.close();
  });

  const messages = async (customerId: string) =>
    (await h.request('GET', `/v1/messages?customerId=${customerId}`)).body.messages as {
      step: string;
      template: string;
      category: string;
      status: string;
      skipReason: string | null;
    }[];

  test('a customer without consent gets the order confirmation but no welcome email; the log says why', { timeout: 60_000 }, async () => {
    const customerId = 'it-no-consent';
    assert.equal(
      (await h.request('POST', '/v1/events', { type: 'customer.created', customerId, properties: { email: 'nc@example.com', marketingConsent: false } })).status,
      202,
    );
    assert.equal(
      (
        await h.request('POST', '/v1/events', {
          type: 'order.placed',
          customerId,
          properties: { orderId: 'it-nc-1', total: 20, currency: 'EUR', items: [{ productId: 'p1', title: 'Tea', price: 20, quantity: 1 }] },
        })
      ).status,
      202,
    );
    await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'nc@example.com'), 30_000, 'the order confirmation');
    const log = await eventually(async () => {
      const m = await messages(customerId);
      return m.some((x) => x.template === 'welcome') && m.some((x) => x.template === 'order-confirmation') ? m : undefined;
    }, 30_000, 'both messages in the log');
    const welcome = log.find((m) => m.template === 'welcome')!;
    assert.deepEqual([welcome.category, welcome.status, welcome.skipReason], ['marketing', 'skipped', 'no_consent']);
    const order = log.find((m) => m.template === 'order-confirmation')!;
    assert.deepEqual([order.category, order.status], ['transactional', 'sent']);
    const mailed = h.resend.emails.filter((e) => e.body.to[0] === 'nc@example.com').map((e) => e.idempotencyKey);
    assert.equal(mailed.length, 1, mailed.join());
    assert.match(mailed[0]!, /^order\/it-nc-1\//);
  });

  test('a one-click POST on the unsubscribe link of the welcome email stops the reminder', { timeout: 60_000 }, async () => {
    const customerId = 'it-unsub';
    await h.request('POST', '/v1/events', { type: 'customer.created', customerId, properties: { email: 'unsub@example.com', marketingConsent: true } });
    const welcome = await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'unsub@example.com'), 30_000, 'the welcome email');
    const link = new URL(welcome.body.headers!['List-Unsubscribe'].slice(1, -1));
    const res = await fetch(`${h.url}${link.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    assert.equal(res.status, 200);

    const log = await eventually(async () => {
      const m = await messages(customerId);
      return m.find((x) => x.step === 'welcome-reminder') ? m : undefined;
    }, 30_000, 'the reminder decision');
    const reminder = log.find((m) => m.step === 'welcome-reminder')!;
    assert.deepEqual([reminder.status, reminder.skipReason], ['skipped', 'unsubscribed']);
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'unsub@example.com').length, 1, 'only the welcome email went out');
  });

  test('DELETE /v1/customers/:id terminates the running journeys, scrubs personal data and keeps an audit record without it', { timeout: 60_000 }, async () => {
    const customerId = 'it-erase';
    await h.request('POST', '/v1/events', {
      type: 'customer.created',
      customerId,
      properties: { email: 'erase-me@example.com', firstName: 'Eve', marketingConsent: true, timezone: 'Europe/Berlin', birthday: '1990-05-01' },
    });
    await h.request('POST', '/v1/events', {
      type: 'order.placed',
      customerId,
      properties: { orderId: 'it-erase-1', total: 42.5, currency: 'EUR', items: [{ productId: 'p1', title: 'Tea', price: 42.5, quantity: 1 }] },
    });
    const listJourneys = async () => {
      const found: { workflowId: string; status: string }[] = [];
      for await (const wf of h.env.client.workflow.list({ query: customerJourneysQuery(customerId) })) found.push({ workflowId: wf.workflowId, status: wf.status.name });
      return found;
    };
    await eventually(async () => ((await listJourneys()).some((j) => j.status === 'RUNNING') ? true : undefined), 30_000, 'running journeys');
    await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'erase-me@example.com'), 30_000, 'a first email');

    const res = await h.request('DELETE', `/v1/customers/${customerId}`);
    assert.equal(res.status, 204);

    assert.equal((await h.request('GET', `/v1/customers/${customerId}`)).status, 404);
    const customer = (await h.db.query('SELECT email, first_name, timezone, birthday, marketing_consent, consent_source, erased_at FROM customers WHERE id = $1', [customerId])).rows[0];
    assert.deepEqual({ ...customer, erased_at: customer.erased_at instanceof Date }, {
      email: null, first_name: null, timezone: null, birthday: null, marketing_consent: false, consent_source: null, erased_at: true,
    });
    const order = (await h.db.query('SELECT total, currency, items FROM orders WHERE id = $1', ['it-erase-1'])).rows[0];
    assert.deepEqual([order.total, order.currency, order.items[0].title], [42.5, 'EUR', 'Tea'], 'orders keep the totals for the books');
    const leftovers = await h.db.query(
      `SELECT 'events' AS t FROM events WHERE customer_id = $1 AND properties::text ILIKE '%erase-me%'
       UNION ALL SELECT 'messages' FROM messages WHERE to_email = 'erase-me@example.com' OR customer_id = $1 AND (to_email IS NOT NULL OR subject IS NOT NULL)
       UNION ALL SELECT 'outbox' FROM outbox WHERE to_email = 'erase-me@example.com'
       UNION ALL SELECT 'audit' FROM audit_log WHERE subject LIKE '%' || $1 || '%' OR details::text LIKE '%erase-me%'`,
      [customerId],
    );
    assert.deepEqual(leftovers.rows, [], 'no personal data left');
    const audit = await h.db.query(`SELECT subject, details FROM audit_log WHERE action = 'erase'`);
    assert.equal(audit.rowCount, 1);
    assert.match(audit.rows[0].subject, /^customer:hmac-sha256:[0-9a-f]{64}$/);
    assert.ok(audit.rows[0].details.journeysEnded >= 1, JSON.stringify(audit.rows[0].details));

    // Every journey of the customer is over; the running ones were terminated with the reason.
    const afterErase = await listJourneys();
    assert.ok(afterErase.length >= 2, JSON.stringify(afterErase));
    assert.deepEqual(afterErase.filter((j) => j.status === 'RUNNING'), []);
    const terminated = afterErase.find((j) => j.status === 'TERMINATED');
    assert.ok(terminated, 'at least one running journey was terminated');
    const history = await h.env.client.workflow.getHandle(terminated.workflowId).fetchHistory();
    const reason = history.events?.find((e) => e.workflowExecutionTerminatedEventAttributes)?.workflowExecutionTerminatedEventAttributes?.reason;
    assert.equal(reason, 'customer erased (GDPR erasure request)');

    // Idempotent: a second erasure answers the same and leaves the same state.
    assert.equal((await h.request('DELETE', `/v1/customers/${customerId}`)).status, 204);

    // A later profile starts fresh: consent only as given now.
    await h.request('PUT', `/v1/customers/${customerId}`, { email: 'new-owner@example.com' });
    const fresh = (await h.request('GET', `/v1/customers/${customerId}`)).body;
    assert.deepEqual([fresh.email, fresh.marketingConsent, fresh.firstName], ['new-owner@example.com', false, null]);
  });
});
