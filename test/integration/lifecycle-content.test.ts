import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextBirthdaySendTime } from '../../activities/birthday';
import { replenishmentToken } from '../../links/replenishment-links';
import { eventually, startHarness, type Harness } from './harness';

interface JourneyRow {
  workflowId: string;
  status: string;
  step: string | null;
  nextWakeUp: string | null;
}

describe('birthday, lead nurture and replenishment over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  const journey = (customerId: string, workflowId: string, want: (j: JourneyRow) => boolean = () => true) =>
    eventually(async () => {
      const res = await h.request('GET', `/v1/customers/${encodeURIComponent(customerId)}/journeys`);
      const found = (res.body.journeys as JourneyRow[]).find((j) => j.workflowId === workflowId);
      return found && want(found) ? found : undefined;
    }, 20_000, workflowId);

  test('a form submission sends the first content piece for its topics through Resend', async () => {
    // A profile without an event: no welcome email competes for the frequency cap.
    assert.equal((await h.request('PUT', '/v1/customers/lead-1', { email: 'lead@example.com', marketingConsent: true })).status, 201);
    const res = await h.request('POST', '/v1/events', { type: 'form.submitted', customerId: 'lead-1', properties: { formId: 'footer', topics: ['tea'] } });
    assert.equal(res.status, 202);
    const email = await eventually(async () => h.resend.emails.find((e) => e.idempotencyKey?.startsWith('lead-nurture/')), 20_000, 'the first piece');
    assert.equal(email.idempotencyKey, 'lead-nurture/lead-1/nurture-piece/tea-green-vs-black');
    assert.equal(email.body.subject, 'Green, black, oolong: one plant, three teas');
    assert.match(email.body.html, /How oxidation turns the same leaf/);
    const logged = await h.db.query<{ links: string[] }>('SELECT links FROM messages WHERE idempotency_key = $1', [email.idempotencyKey]);
    assert.ok(logged.rows[0].links.includes('https://shop.example.com/journal/green-vs-black'), 'links to the piece');
    const state = await journey('lead-1', 'lead-nurture/lead-1', (j) => j.step === 'waiting-for-next-piece');
    assert.ok(state.nextWakeUp);
  });

  test('a customer with a birthday gets a birthday journey waiting for 10:00 on the day in their zone', async () => {
    const res = await h.request('POST', '/v1/events', {
      type: 'customer.created',
      customerId: 'bday-1',
      properties: { email: 'bday@example.com', birthday: '1992-02-29', timezone: 'Australia/Sydney' },
    });
    assert.equal(res.status, 202);
    const state = await journey('bday-1', 'birthday/bday-1', (j) => j.step === 'waiting-for-birthday');
    const expected = nextBirthdaySendTime({ birthday: '1992-02-29', timezone: 'Australia/Sydney', hour: 10, after: Date.now() });
    assert.equal(state.nextWakeUp, new Date(expected.sendAt).toISOString());
  });

  test('an order starts a reminder for the replenishable product only; the signed page snoozes it', async () => {
    for (const [id, replenishDays] of [['beans', 30], ['mug', null]] as const) {
      const put = await h.request('PUT', `/v1/products/${id}`, { title: id === 'beans' ? 'House blend' : 'Mug', price: 10, url: `https://shop.example.com/${id}`, stock: 10, replenishDays });
      assert.equal(put.status, 201);
    }
    await h.request('PUT', '/v1/customers/repl-1', { email: 'repl@example.com', marketingConsent: true });
    const placedAt = new Date().toISOString();
    const res = await h.request('POST', '/v1/events', {
      type: 'order.placed',
      customerId: 'repl-1',
      occurredAt: placedAt,
      properties: {
        orderId: 'o-77',
        total: 40,
        currency: 'EUR',
        items: [
          { productId: 'beans', title: 'House blend', price: 10, quantity: 2 },
          { productId: 'mug', title: 'Mug', price: 20, quantity: 1 },
        ],
      },
    });
    assert.equal(res.status, 202);
    const beans = await journey('repl-1', 'replenishment/repl-1/beans', (j) => j.step === 'waiting-to-remind');
    assert.equal(beans.nextWakeUp, new Date(Date.parse(placedAt) + 58 * 86_400_000).toISOString(), '60-day supply less 2 days');
    // The mug has no replenishDays: routing starts no journey for it at all.
    const all = await h.request('GET', '/v1/customers/repl-1/journeys');
    assert.ok(!all.body.journeys.some((j: { workflowId: string }) => j.workflowId === 'replenishment/repl-1/mug'));

    const page = `${h.url}/remind/${replenishmentToken(h.config.tokenSecret, { customerId: 'repl-1', productId: 'beans', orderId: 'o-77' })}`;
    const shown = await fetch(`${page}?choice=snooze`);
    assert.equal(shown.status, 200);
    assert.match(await shown.text(), /Remind me later about House blend/);
    const posted = await fetch(page, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=snooze' });
    assert.equal(posted.status, 200);
    const snoozed = await journey('repl-1', 'replenishment/repl-1/beans', (j) => !!j.nextWakeUp && j.nextWakeUp !== beans.nextWakeUp);
    const inDays = (Date.parse(snoozed.nextWakeUp!) - Date.now()) / 86_400_000;
    assert.ok(inDays > 6.9 && inDays <= 7, `next reminder in ${inDays} days`);

    const forged = await fetch(page.replace(/\.[^.]+$/, '.forged'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=snooze' });
    assert.equal(forged.status, 400);
  });
});
