import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Webhook } from 'svix';
import { WorkflowNotFoundError } from '@temporalio/client';
import { signToken, type LinkPurpose } from '../../links/signed-links';
import { API_KEY, WEBHOOK_SECRET, startApp, startSendHarness, type RunningApp, type SendHarness } from '../guardrails/harness';

/**
 * Hostile input against every public and /v1 route: malformed and truncated JSON, wrong types,
 * huge bodies, deep nesting, NUL and lone surrogates, overlong strings and ids, unknown event
 * types, SQL- and visibility-query-injection strings, header injection, bad, expired, forged and
 * cross-purpose tokens on every link, forged and replayed webhook signatures. Whatever comes:
 * never a 5xx, the process keeps answering, and a rejected request changes no stored row
 * (every table's checksum before and after). JSON routes answer with the one error envelope;
 * the public link pages answer a human-readable page.
 */
const TABLES = [
  'customers', 'events', 'products', 'orders', 'messages', 'outbox', 'coupons', 'suppressions', 'webhook_events',
  'audit_log', 'back_in_stock_subscriptions', 'step_claims', 'address_unsubscribes', 'shop_webhooks',
];

const notFound = () => Promise.reject(new WorkflowNotFoundError('no such journey', 'w', undefined));
const temporal = {
  workflow: {
    list: () => (async function* () {})(),
    getHandle: () => ({ query: notFound, describe: notFound, signal: notFound, executeUpdate: notFound, terminate: notFound }),
  },
  withDeadline: (_: number, fn: () => Promise<unknown>) => fn(),
  connection: { workflowService: { getSystemInfo: async () => ({}) } },
};

const SQL = ["'; DROP TABLE customers; --", "1' OR '1'='1", '"; DELETE FROM events; --', "\\'; SELECT pg_sleep(5); --"];
const VISIBILITY = ["c' OR CustomerId != '", "x' OR ExecutionStatus = 'Running", "' ORDER BY StartTime --"];
const HEADERS = ['Ada\r\nBcc: victim@example.com', 'Subject: hi\r\n\r\n<script>', 'x\nX-Injected: 1'];

/** Strings no validator should choke on. */
const nasty = fc.oneof(
  fc.constantFrom(...SQL, ...VISIBILITY, ...HEADERS, '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '', ' ', '../../etc/passwd', '%00', '${jndi:ldap://x}'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 201, max: 5000 }).map((n) => 'x'.repeat(n)),
);
const anyJson = fc.jsonValue({ maxDepth: 4 });

interface Probe {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** an HTML page for people rather than the JSON envelope */
  page?: boolean;
}

/** Percent-encodes any string, lone surrogates included (as the UTF-8 bytes a client would send). */
const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
const token = (purpose: LinkPurpose, secret: string, extra: Record<string, unknown> = {}) =>
  signToken(secret, { p: purpose, c: 'c-victim', m: 1, x: '0', ...extra } as never);

describe('hostile input', () => {
  let h: SendHarness;
  let app: RunningApp;
  before(async () => {
    h = await startSendHarness();
    app = await startApp(h, temporal);
    await h.customer('c-victim', { email: 'victim@example.com', firstName: 'Vic' });
    assert.equal((await h.send({ customerId: 'c-victim', idempotencyKey: 'welcome/c-victim/welcome-email' })).status, 'sent');
  });
  after(async () => {
    await app?.close();
    await h?.close();
  });

  async function checksums(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const { rows } = await h.db.pool.query(`SELECT count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS sum FROM ${t} x`);
      out[t] = rows[0].sum;
    }
    return out;
  }

  async function fire(p: Probe): Promise<{ status: number; text: string; type: string }> {
    const res = await fetch(`${app.url}${p.path}`, {
      method: p.method,
      headers: {
        ...(p.path.startsWith('/v1') ? { authorization: `Bearer ${API_KEY}` } : {}),
        ...(p.body !== undefined ? { 'content-type': p.contentType ?? 'application/json' } : {}),
        ...p.headers,
      },
      body: p.body,
      redirect: 'manual',
    });
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
  }

  /** The property every probe must satisfy; `mustReject`: the input is invalid by construction. */
  async function check(p: Probe, mustReject: boolean): Promise<void> {
    const before = await checksums();
    const res = await fire(p);
    const what = `${p.method} ${p.path.slice(0, 120)} ${String(p.body ?? '').slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`;
    assert.ok(res.status < 500, `server error: ${what}`);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200, `the process answers after ${what}`);
    if (mustReject) assert.ok(res.status >= 400, `accepted: ${what}`);
    if (res.status >= 400) {
      // A link page answers people with a page; a path no route matches gets the envelope.
      if (p.page && /text\/html/.test(res.type)) assert.match(res.text, /<h1>/, what);
      else {
        const body = JSON.parse(res.text);
        assert.equal(typeof body.error?.code, 'string', `error envelope: ${what}`);
        assert.equal(typeof body.error?.message, 'string', `error envelope: ${what}`);
      }
      assert.deepEqual(await checksums(), before, `a rejected request changed stored data: ${what}`);
    }
  }

  const jsonRoutes: { method: string; path: (id: string) => string }[] = [
    { method: 'POST', path: () => '/v1/events' },
    { method: 'PUT', path: (id) => `/v1/customers/${enc(id)}` },
    { method: 'PUT', path: (id) => `/v1/products/${enc(id)}` },
    { method: 'POST', path: () => '/v1/suppressions' },
    { method: 'POST', path: (id) => `/v1/dead-letters/${enc(id)}/retry` },
  ];

  test('malformed, truncated, mistyped, huge and deeply nested bodies are rejected with the envelope', { timeout: 120_000 }, async () => {
    const valid = JSON.stringify({ type: 'customer.created', customerId: 'c-1', properties: { email: 'a@example.com' } });
    const badBody = fc.oneof(
      fc.integer({ min: 1, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
      fc.constantFrom('{', '{"a":', 'nul', '[1,2', '{"type":"customer.created",}', '\u0000', '{"a":"\\ud800"', "{'single': 'quotes'}"),
      fc.constant('['.repeat(5000) + ']'.repeat(5000)),
      fc.constant(`{"events":${'['.repeat(2000)}${']'.repeat(2000)}}`),
      fc.constant(JSON.stringify({ type: 'customer.created', customerId: 'c', properties: { email: 'a@example.com', firstName: 'x'.repeat(2_000_000) } })),
      fc.constantFrom('null', '42', '"text"', 'true', '[]', '{}'),
      anyJson.map((v) => JSON.stringify({ type: 'customer.created', customerId: v, properties: v })),
      anyJson.map((v) => JSON.stringify({ events: v })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...jsonRoutes), badBody, async (route, body) => {
        await check({ method: route.method, path: route.path('c-1'), body }, true);
      }),
      { numRuns: 60, includeErrorInReport: true },
    );
  });

  test('hostile strings in ids, fields, queries and event types never reach a 500 and never corrupt data', { timeout: 180_000 }, async () => {
    const probe: fc.Arbitrary<{ probe: Probe; reject: boolean }> = fc.oneof(
      fc.record({ id: nasty, type: fc.oneof(nasty, fc.constantFrom('customer.deleted', 'order.placed ', 'CUSTOMER.CREATED', '__proto__')) }).map(({ id, type }) => ({
        probe: { method: 'POST', path: '/v1/events', body: JSON.stringify({ id, type, customerId: id, properties: { email: 'a@example.com' } }) },
        reject: true, // no such event type
      })),
      fc.record({ id: nasty, name: nasty }).map(({ id, name }) => ({
        probe: { method: 'POST', path: '/v1/events', body: JSON.stringify({ id, type: 'customer.created', customerId: id, properties: { email: 'hostile@example.com', firstName: name } }) },
        reject: false,
      })),
      fc.record({ id: nasty, name: nasty }).map(({ id, name }) => ({
        probe: { method: 'PUT', path: `/v1/customers/${enc(id)}`, body: JSON.stringify({ email: name, firstName: name, timezone: name, locale: name, birthday: name }) },
        reject: false,
      })),
      fc.record({ id: nasty, title: nasty }).map(({ id, title }) => ({
        probe: { method: 'PUT', path: `/v1/products/${enc(id)}`, body: JSON.stringify({ title, price: -1, url: title, stock: 1 }) },
        reject: true, // a negative price
      })),
      fc.record({ method: fc.constantFrom('GET', 'DELETE'), id: nasty }).map(({ method, id }) => ({
        probe: { method, path: `/v1/customers/${enc(id)}${method === 'GET' ? '/journeys' : ''}` },
        reject: false,
      })),
      fc.record({ q: nasty, key: fc.constantFrom('customerId', 'journey', 'status', 'limit', 'before', 'since', 'cursor', 'reason') }).map(({ q, key }) => ({
        probe: { method: 'GET', path: `${key === 'since' ? '/v1/stats/journeys' : key === 'cursor' || key === 'reason' ? '/v1/suppressions' : '/v1/messages'}?${key}=${enc(q)}` },
        reject: false,
      })),
      fc.record({ email: nasty }).map(({ email }) => ({
        probe: { method: fc.sample(fc.constantFrom('GET', 'DELETE'), 1)[0], path: `/v1/suppressions/${enc(email)}` },
        reject: false,
      })),
    );
    await fc.assert(
      fc.asyncProperty(probe, async ({ probe, reject }) => check(probe, reject)),
      { numRuns: 120, includeErrorInReport: true },
    );
    // Injection strings were data, not code: every table is still there.
    for (const t of TABLES) await h.db.pool.query(`SELECT 1 FROM ${t} LIMIT 1`);
  });

  test('bad, expired, forged and cross-purpose tokens on every public link change nothing', { timeout: 120_000 }, async () => {
    const secret = h.config.tokenSecret;
    const links: { path: string; methods: string[]; purpose: LinkPurpose; page: boolean }[] = [
      { path: '/u', methods: ['GET', 'POST'], purpose: 'unsubscribe', page: true },
      { path: '/r', methods: ['GET', 'POST'], purpose: 'resubscribe-confirm', page: true },
      { path: '/remind', methods: ['GET', 'POST'], purpose: 'snooze', page: true },
      { path: '/t/c', methods: ['GET'], purpose: 'click', page: true },
      { path: '/t/o', methods: ['GET'], purpose: 'open', page: false },
    ];
    const purposes: LinkPurpose[] = ['unsubscribe', 'open', 'click', 'snooze', 'resubscribe', 'resubscribe-confirm'];
    const badToken = (purpose: LinkPurpose) =>
      fc.oneof(
        nasty.map((s) => enc(s)),
        fc.constant(token(purpose, 'a-forged-secret-0123456789')),
        fc.constant(token(purpose, secret, { t: Math.floor(Date.now() / 1000) - 1 })), // expired
        // (the re-subscribe page takes both of its own kinds)
        fc.constantFrom(...purposes.filter((p) => p !== purpose && !(purpose === 'resubscribe-confirm' && p === 'resubscribe'))).map((other) => token(other, secret, { t: Math.floor(Date.now() / 1000) + 3600 })), // cross-purpose
        fc.constant(token(purpose, secret, { e: 99, a: 'not-the-address', t: Math.floor(Date.now() / 1000) + 3600 })), // someone else's
        fc.constant(`${token(purpose, secret).slice(0, -3)}AAA`), // tampered signature
        fc.constant(token(purpose, secret).split('.')[0]), // no signature
      );
    const probe = fc.constantFrom(...links).chain((link) =>
      fc.record({
        method: fc.constantFrom(...link.methods),
        token: badToken(link.purpose),
        form: fc.constantFrom('List-Unsubscribe=One-Click', 'action=snooze', 'action=reschedule&date=2999-01-01', ''),
      }).map(({ method, token: t, form }) => ({ link, method, t, form })),
    );
    await fc.assert(
      fc.asyncProperty(probe, async ({ link, method, t, form }) => {
        const p: Probe = { method, path: `${link.path}/${t}`, page: link.page, ...(method === 'POST' ? { body: form, contentType: 'application/x-www-form-urlencoded' } : {}) };
        if (link.purpose === 'open') {
          // The pixel always answers an image; a bad token records nothing.
          const before = await checksums();
          const res = await fire(p);
          assert.ok(res.status === 200 || res.status === 404, `pixel answered ${res.status}`);
          assert.deepEqual(await checksums(), before, 'a bad pixel token changed stored data');
          return;
        }
        await check(p, true);
      }),
      { numRuns: 80, includeErrorInReport: true },
    );
    const victim = (await h.db.pool.query(`SELECT unsubscribed_at, marketing_consent FROM customers WHERE id = 'c-victim'`)).rows[0];
    assert.deepEqual([victim.unsubscribed_at, victim.marketing_consent], [null, true], 'no bad token unsubscribed or re-subscribed anyone');
  });

  test('forged, stale and replayed webhook signatures are rejected and change nothing', { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ type: 'email.complained', created_at: new Date().toISOString(), data: { email_id: 'x', to: ['victim@example.com'] } });
    const genuine = new Webhook(WEBHOOK_SECRET);
    const forged = new Webhook(`whsec_${Buffer.from('a-forged-webhook-secret-0123456789').toString('base64')}`);
    const now = new Date();
    const stale = new Date(Date.now() - 10 * 60_000);
    const cases: Record<string, string>[] = [
      { 'svix-id': 'msg_forged', 'svix-timestamp': String(Math.floor(now.getTime() / 1000)), 'svix-signature': forged.sign('msg_forged', now, body) },
      { 'svix-id': 'msg_stale', 'svix-timestamp': String(Math.floor(stale.getTime() / 1000)), 'svix-signature': genuine.sign('msg_stale', stale, body) },
      // A genuine signature replayed under another message id.
      { 'svix-id': 'msg_replayed', 'svix-timestamp': String(Math.floor(now.getTime() / 1000)), 'svix-signature': genuine.sign('msg_original', now, body) },
      { 'svix-id': 'msg_none' },
      { 'svix-id': 'msg_junk', 'svix-timestamp': 'yesterday', 'svix-signature': 'v1,<script>alert(1)</script> v1,==' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), fc.constantFrom(body, `${body} `, body.replace('victim', 'other')), async (headers, sent) => {
        await check({ method: 'POST', path: '/webhooks/resend', body: sent, headers }, true);
      }),
      { numRuns: 20, includeErrorInReport: true },
    );
    assert.equal((await h.db.pool.query(`SELECT 1 FROM suppressions WHERE email = 'victim@example.com'`)).rowCount, 0);
  });
});
