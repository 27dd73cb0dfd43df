import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { Webhook } from 'svix';
import { eventually, startHarness, type Harness } from './harness';

/**
 * A scripted run through the API, the relay and the worker — sign-up, order, a failing
 * provider, an unsubscribe, a bounce, erasure, bad input — with every log line the process
 * writes (API logger at debug, the Temporal runtime's and anything on stdout/stderr) kept,
 * then searched for the test customers' addresses and names.
 */
const WEBHOOK_SECRET = `whsec_${Buffer.from('pii-logs-test-webhook-secret-32b').toString('base64')}`;
const PEOPLE = [
  { id: 'pii-1', email: 'margaret.hamilton@example.com', firstName: 'Margaret' },
  { id: 'pii-2', email: 'katherine.johnson@example.com', firstName: 'Katherine' },
];

let h: Harness;
const lines: string[] = [];
const restore: (() => void)[] = [];

before(async () => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = write));
  }
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  h = await startHarness({ log: pino({ level: 'debug' }, sink), env: { RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET, LOG_LEVEL: 'debug' } });
});
after(async () => {
  for (const r of restore) r();
  await h?.close();
});

test('a scripted run logs no customer address or name', { timeout: 90_000 }, async () => {
  const [ada, kat] = PEOPLE;
  for (const p of PEOPLE) {
    const res = await h.request('POST', '/v1/events', { type: 'customer.created', customerId: p.id, properties: { email: p.email, firstName: p.firstName, marketingConsent: true } });
    assert.equal(res.status, 202);
  }
  // The provider fails a few times (logged retries), then takes the mail.
  h.resend.failNext(500, 2);
  await h.request('POST', '/v1/events', {
    type: 'order.placed', customerId: ada.id,
    properties: { orderId: 'pii-o-1', total: 10, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: 10, quantity: 1 }] },
  });
  const welcome = await eventually(async () => h.resend.emails.find((e) => e.body.to.includes(kat.email)), 30_000, 'a welcome email');
  await eventually(async () => h.resend.emails.find((e) => e.body.to.includes(ada.email) && /order/i.test(e.body.subject)), 30_000, 'an order email');

  const unsubscribe = /<([^>]+)>/.exec(welcome.body.headers?.['List-Unsubscribe'] ?? '')![1];
  await fetch(unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const bounce = JSON.stringify({ type: 'email.bounced', created_at: new Date().toISOString(), data: { email_id: welcome.id, to: [kat.email], bounce: { type: 'Permanent', message: `550 ${kat.email} unknown` } } });
  await fetch(`${h.url}/webhooks/resend`, {
    method: 'POST',
    body: bounce,
    headers: { 'content-type': 'application/json', 'svix-id': 'msg_pii', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': new Webhook(WEBHOOK_SECRET).sign('msg_pii', new Date(), bounce) },
  });
  // Bad input that names the people.
  await h.request('PUT', `/v1/customers/${ada.id}`, { email: ada.email, firstName: ada.firstName, birthday: '2023-02-30' });
  await h.request('POST', '/v1/events', `{"type":"customer.updated","customerId":"${ada.id}","properties":{"email":"${ada.email}"`);
  await h.request('DELETE', `/v1/customers/${ada.id}`);
  await h.request('GET', `/v1/messages?customerId=${kat.id}`);

  const logged = lines.join('');
  assert.match(logged, /resend 500/, 'the capture sees the worker\'s retry log (the provider failures)');
  for (const p of PEOPLE) {
    for (const pii of [p.email, p.firstName]) {
      const hit = lines.find((l) => l.includes(pii));
      assert.equal(hit, undefined, `the logs name ${pii}: ${hit?.slice(0, 400)}`);
    }
  }
});
