import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './harness';

/**
 * VIP and win-back over HTTP with thresholds and delays lowered through the journeys config,
 * so that their first messages (and the sunset) happen within seconds of real time.
 */
describe('VIP and win-back over HTTP (API + Postgres + Temporal dev server + fake Resend)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      journeys: {
        vip: { orderCount: 3 },
        winBack: { firstAfter: '2 seconds', secondAfter: '2 seconds', sunsetAfter: '2 seconds' },
        // Several marketing emails within seconds: lift the frequency cap for this test only.
        guardrails: { frequencyCapCount: 50 },
      },
    });
  });
  after(async () => {
    await h?.close();
  });

  /** A consenting customer created through the API (no customer.created event: no welcome series). */
  async function consentingCustomer(id: string) {
    const res = await h.request('PUT', `/v1/customers/${id}`, { email: `${id}@example.com`, firstName: 'Ada', marketingConsent: true });
    assert.equal(res.status, 201);
  }

  const order = (customerId: string, n: number) => ({
    id: `evt-${customerId}-order-${n}`,
    type: 'order.placed',
    customerId,
    properties: { orderId: `${customerId}-o${n}`, total: 25, currency: 'EUR', items: [{ productId: 'tea', title: 'Tea', price: 25, quantity: 1 }] },
  });

  const emailsWithKey = (key: string) => h.resend.emails.filter((e) => e.idempotencyKey === key);

  test('the 3rd of several concurrent orders sends exactly one VIP invitation with its own code', async () => {
    await consentingCustomer('cust-vip');
    assert.equal((await h.request('POST', '/v1/events', order('cust-vip', 1))).status, 202);
    // Orders 2–5 at the same moment, as separate requests.
    const posted = await Promise.all([2, 3, 4, 5].map((n) => h.request('POST', '/v1/events', order('cust-vip', n))));
    assert.deepEqual(posted.map((r) => r.status), [202, 202, 202, 202]);

    const invitation = await eventually(async () => emailsWithKey('vip/cust-vip/vip-invitation')[0], 30_000, 'the VIP invitation');
    assert.match(invitation.body.subject, /VIP/);
    const code = /VIP-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(invitation.body.html)?.[0];
    assert.ok(code, 'the invitation shows its code');
    const coupon = await h.db.query('SELECT customer_id, percent_off, journey FROM coupons WHERE code = $1', [code]);
    assert.deepEqual(coupon.rows[0], { customer_id: 'cust-vip', percent_off: 20, journey: 'vip' });

    await new Promise((r) => setTimeout(r, 1500));
    const vipEmails = h.resend.emails.filter((e) => e.idempotencyKey?.startsWith('vip/cust-vip/'));
    assert.equal(vipEmails.length, 1, 'one invitation, however many orders');
    const ledger = await h.db.query(`SELECT status FROM messages WHERE customer_id = 'cust-vip' AND journey = 'vip'`);
    assert.deepEqual(ledger.rows, [{ status: 'sent' }]);
  });

  test('an unanswered win-back and last chance mark the customer unengaged; the next order lifts it', async () => {
    await consentingCustomer('cust-lapsed');
    await h.request('POST', '/v1/events', order('cust-lapsed', 1));

    const unengaged = await eventually(
      async () => {
        const res = await h.request('GET', '/v1/customers/cust-lapsed');
        return res.body.unengagedAt ? res.body : undefined;
      },
      40_000,
      'the sunset',
    );
    assert.match(unengaged.unengagedAt, /^\d{4}-\d{2}-\d{2}T/);
    const winBacks = h.resend.emails
      .filter((e) => e.idempotencyKey?.startsWith('win-back/cust-lapsed/'))
      .map((e) => e.idempotencyKey!.split('/')[2]);
    assert.deepEqual(winBacks, ['win-back', 'win-back-last-chance']);

    await h.request('POST', '/v1/events', order('cust-lapsed', 2));
    const after = await h.request('GET', '/v1/customers/cust-lapsed');
    assert.equal(after.body.unengagedAt, null, 'a purchase is engagement');
  });
});
