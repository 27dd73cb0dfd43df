import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Webhook } from 'svix';
import pino from 'pino';
import { createApp } from '../../api/app';
import { HTTP_METHODS, type OpenApiDocument } from '../../api/openapi';
import { eventually, startHarness, type Harness } from './harness';

/**
 * The API document cannot drift from the code: every route the app answers is documented, every
 * documented operation is called here, and each real answer (status and JSON body) must be one
 * the document declares.
 */
const WEBHOOK_SECRET = `whsec_${Buffer.from('contract-test-webhook-secret-32b').toString('base64')}`;

interface Sample {
  path: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  auth?: boolean;
}

/** Every route of the express app, as "METHOD /openapi/{style}" (static file mounts excepted). */
function appRoutes(stack: any[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const path = (prefix + (layer.route.path === '/' && prefix ? '' : layer.route.path)).replace(/:(\w+)/g, '{$1}');
      for (const method of Object.keys(layer.route.methods)) if (method !== '_all') out.push(`${method.toUpperCase()} ${path}`);
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...appRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

describe('API document', () => {
  let h: Harness;
  let doc: OpenApiDocument;
  let samples: Record<string, Sample>;

  before(async () => {
    h = await startHarness({ env: { RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as OpenApiDocument;

    assert.equal((await h.request('PUT', '/v1/products/p-1', { title: 'Tea', price: 4.5, url: 'https://shop.example/tea', stock: 3 })).status, 201);
    const created = await h.request('POST', '/v1/events', {
      id: 'contract-1',
      type: 'customer.created',
      customerId: 'c-contract',
      properties: { email: 'contract@example.com', firstName: 'Cora', marketingConsent: true },
    });
    assert.equal(created.status, 202);
    const email = await eventually(async () => h.resend.emails.find((e) => e.body.to.includes('contract@example.com')), 20_000, 'the welcome email');
    const unsubscribe = /<([^>]+\/u\/[^>]+)>/.exec(email.body.headers?.['List-Unsubscribe'] ?? '')?.[1];
    const pixel = /\/t\/o\/[A-Za-z0-9_.-]+/.exec(email.body.html)?.[0];
    const click = /\/t\/c\/[A-Za-z0-9_.-]+/.exec(email.body.html)?.[0];
    assert.ok(unsubscribe && pixel && click, 'the welcome email carries unsubscribe, pixel and click links');
    const unsubscribePath = new URL(unsubscribe).pathname;
    const resubscribePage = await (await fetch(unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).text();
    const resubscribe = /action="[^"]*(\/r\/[^"]+)"/.exec(resubscribePage)?.[1];
    assert.ok(resubscribe, 'the unsubscribe confirmation offers a re-subscribe link');

    const webhookBody = JSON.stringify({ type: 'email.delivered', created_at: new Date().toISOString(), data: { email_id: 'nope' } });
    const signed = new Webhook(WEBHOOK_SECRET).sign('msg_contract_1', new Date(), webhookBody);
    const form = 'application/x-www-form-urlencoded';
    samples = {
      'POST /v1/events': { path: '/v1/events', body: JSON.stringify({ type: 'product.viewed', customerId: 'c-contract', properties: { productId: 'p-1' } }) },
      'PUT /v1/customers/{id}': { path: '/v1/customers/c-put', body: JSON.stringify({ email: 'put@example.com', timezone: 'Europe/Berlin' }) },
      'GET /v1/customers/{id}': { path: '/v1/customers/c-contract' },
      'DELETE /v1/customers/{id}': { path: '/v1/customers/c-put' },
      'GET /v1/customers/{id}/journeys': { path: '/v1/customers/c-contract/journeys' },
      'PUT /v1/products/{id}': { path: '/v1/products/p-2', body: JSON.stringify({ title: 'Mug', price: 9, url: 'https://shop.example/mug', stock: 0 }) },
      'GET /v1/products/{id}': { path: '/v1/products/p-1' },
      'GET /v1/messages': { path: '/v1/messages?customerId=c-contract' },
      'GET /v1/stats/journeys': { path: '/v1/stats/journeys?series=daily' },
      'GET /v1/suppressions': { path: '/v1/suppressions' },
      'POST /v1/suppressions': { path: '/v1/suppressions', body: JSON.stringify({ email: 'gone@example.com' }) },
      'GET /v1/suppressions/{email}': { path: '/v1/suppressions/gone@example.com' },
      'DELETE /v1/suppressions/{email}': { path: '/v1/suppressions/gone@example.com' },
      'GET /v1/dead-letters': { path: '/v1/dead-letters' },
      'POST /v1/dead-letters/{id}/retry': { path: '/v1/dead-letters/no-such-event/retry' },
      'GET /v1/coupons/{code}': { path: '/v1/coupons/NO-SUCH-CODE?customerId=c-contract' },
      'POST /v1/coupons/{code}/redemptions': { path: '/v1/coupons/NO-SUCH-CODE/redemptions', body: JSON.stringify({ orderId: 'o-1', customerId: 'c-contract' }) },
      'GET /v1/journeys': { path: '/v1/journeys' },
      'POST /v1/journeys/{name}/pause': { path: '/v1/journeys/order/pause' },
      'POST /v1/journeys/{name}/resume': { path: '/v1/journeys/birthday/resume' },
      'GET /u/{token}': { path: unsubscribePath },
      'POST /u/{token}': { path: unsubscribePath, body: 'List-Unsubscribe=One-Click', contentType: form },
      'GET /r/{token}': { path: resubscribe },
      'POST /r/{token}': { path: resubscribe, body: '', contentType: form },
      'GET /remind/{token}': { path: `/remind/${unsubscribePath.split('/').pop()}` },
      'POST /remind/{token}': { path: `/remind/${unsubscribePath.split('/').pop()}`, body: 'action=snooze', contentType: form },
      // A token of another purpose: the keep-me page answers its documented 400.
      'GET /k/{token}': { path: `/k/${unsubscribePath.split('/').pop()}` },
      'POST /k/{token}': { path: `/k/${unsubscribePath.split('/').pop()}`, body: '', contentType: form },
      'GET /t/o/{token}': { path: pixel },
      'GET /t/c/{token}': { path: click },
      'POST /webhooks/resend': {
        path: '/webhooks/resend',
        body: webhookBody,
        headers: { 'svix-id': 'msg_contract_1', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': signed },
      },
      'GET /healthz': { path: '/healthz' },
      'GET /readyz': { path: '/readyz' },
      'GET /metrics': { path: '/metrics' },
      'GET /openapi.json': { path: '/openapi.json' },
      'GET /docs': { path: '/docs' },
      'GET /docs/init.js': { path: '/docs/init.js' },
      'GET /dashboard': { path: '/dashboard' },
      'GET /dashboard/app.js': { path: '/dashboard/app.js' },
      'GET /dashboard/app.css': { path: '/dashboard/app.css' },
      'GET /dashboard/vendor/chart.umd.min.js': { path: '/dashboard/vendor/chart.umd.min.js' },
      // The harness sends through (fake) Resend: the outbox is not mounted and answers 404.
      'GET /outbox': { path: '/outbox' },
      'GET /outbox.json': { path: '/outbox.json' },
      'GET /outbox/{id}': { path: '/outbox/1' },
      'GET /outbox/{id}/html': { path: '/outbox/1/html' },
      'GET /outbox/{id}/text': { path: '/outbox/1/text' },
    };
  });
  after(() => h?.close());

  test('documents every route the app answers', () => {
    const app = createApp({ db: h.db, config: h.config, log: pino({ level: 'silent' }), temporal: h.env.client, nudgeRelay: () => {} });
    const documented = new Set(
      Object.entries(doc.paths ?? {}).flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const routes = appRoutes((app as any).router.stack);
    assert.ok(routes.length > 20, `found the app's routes (${routes.length})`);
    const undocumented = routes.filter((r) => !documented.has(r));
    assert.deepEqual(undocumented, [], 'every route registers its documentation beside its handler');
  });

  test('every documented operation answers as documented', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components ?? {} });
    const resolve = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/'));

    const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, operation: item[m]! })),
    );
    const missing = operations.filter((o) => !samples[o.key]).map((o) => o.key);
    assert.deepEqual(missing, [], 'each documented operation has a sample call in this test');

    for (const { key, operation } of operations) {
      const sample = samples[key];
      const method = key.split(' ')[0];
      const res = await fetch(`${h.url}${sample.path}`, {
        method,
        redirect: 'manual',
        headers: {
          ...(operation.security ? { authorization: `Bearer ${h.apiKey}` } : {}),
          ...(sample.body !== undefined ? { 'content-type': sample.contentType ?? 'application/json' } : {}),
          ...sample.headers,
        },
        body: sample.body,
      });
      const documented = (operation.responses as Record<string, any>)[String(res.status)];
      const text = await res.text();
      assert.ok(documented, `${key} answered ${res.status}, which the document does not declare: ${text.slice(0, 300)}`);
      assert.ok(res.status < 500, `${key} answered ${res.status}`);
      const schema = documented.content?.['application/json']?.schema;
      if (!schema) continue;
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${key} answers JSON`);
      const validate = ajv.compile(resolve(schema) as object);
      const body = JSON.parse(text);
      assert.ok(validate(body), `${key} ${res.status} body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`);
    }
  });

  test('an undeclared method on a documented path is 405 with Allow', async () => {
    const res = await h.request('PATCH', '/v1/customers/c-contract', { email: 'x@example.com' });
    assert.equal(res.status, 405);
    assert.equal(res.body.error.code, 'method_not_allowed');
    const events = await fetch(`${h.url}/v1/events`, { method: 'GET', headers: { authorization: `Bearer ${h.apiKey}` } });
    assert.equal(events.status, 405);
    assert.equal(events.headers.get('allow'), 'POST');
    const health = await fetch(`${h.url}/healthz`, { method: 'DELETE' });
    assert.equal(health.status, 405);
    assert.equal(health.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${h.url}/no/such/route`)).status, 404);
  });
});
