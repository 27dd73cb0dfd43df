import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig, ConfigError, type Config } from '../../config/env';
import { API_KEY, startApp, type SendHarness, useSendHarnessAndApp } from '../guardrails/harness';

/** Doors a security review found open on the public internet, each shown closed. */

const listen = (config: Config, h: SendHarness, temporal: unknown = {}) => startApp(h, temporal, config);

const auth = { authorization: `Bearer ${API_KEY}` };

describe('open doors', () => {
  const ctx = useSendHarnessAndApp();

  test('a production start refuses the local outbox: it needs a real mail transport', () => {
    const secrets = { API_KEY: 'k'.repeat(20), TOKEN_SECRET: 's'.repeat(20) };
    assert.throws(
      () => loadConfig({ ...secrets, NODE_ENV: 'production' }),
      (e: Error) => e instanceof ConfigError && /RESEND_API_KEY/.test(e.message) && /outbox/.test(e.message),
    );
    assert.equal(loadConfig({ ...secrets, NODE_ENV: 'production', RESEND_API_KEY: 're_x' }).mail.transport, 'resend');
  });

  test('outside the embedded stack the outbox needs the API key', async () => {
    const config = { ...ctx.h.config, mail: { ...ctx.h.config.mail, transport: 'outbox' as const } };
    const server = await listen(config, ctx.h);
    try {
      for (const path of ['/outbox', '/outbox.json', '/outbox/1', '/outbox/1/html']) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 401, `${path} without the key`);
      }
      assert.equal((await fetch(`${server.url}/outbox.json`, { headers: auth })).status, 200);
    } finally {
      await server.close();
    }
    const embedded = await listen({ ...config, embedded: true }, ctx.h);
    try {
      assert.equal((await fetch(`${embedded.url}/outbox.json`)).status, 200, 'the embedded stack shows its outbox to the local browser');
    } finally {
      await embedded.close();
    }
  });

  test('docker compose publishes the Temporal UI on loopback only, with write actions off', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
    const ui = compose.services['temporal-ui'];
    for (const port of ui.ports as string[]) assert.match(port, /^127\.0\.0\.1:/, `UI port ${port} is bound to loopback`);
    assert.match(String(ui.environment.TEMPORAL_DISABLE_WRITE_ACTIONS), /true/);
    for (const service of Object.values(compose.services) as { ports?: string[] }[]) {
      for (const port of service.ports ?? []) assert.ok(!/^\d+:\d+$/.test(port) || port.startsWith('3000:'), `${port} binds every interface`);
    }
  });

  test('an occurredAt more than a few minutes in the future is rejected', async () => {
    const post = (occurredAt: string) =>
      fetch(`${ctx.app.url}/v1/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'product.viewed', customerId: 'c-clock', occurredAt, properties: { productId: 'p-1' } }),
      });
    const future = await post(new Date(Date.now() + 3600_000).toISOString());
    assert.equal(future.status, 422);
    assert.match(JSON.stringify(await future.json()), /future/);
    assert.equal((await post('2099-06-01T00:00:00Z')).status, 422);
    assert.equal((await post(new Date(Date.now() + 60_000).toISOString())).status, 202, 'a minute of clock skew is fine');
  });

  test("a product's first PUT with stock counts as a restock", async () => {
    const res = await fetch(`${ctx.app.url}/v1/products/p-new`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'New tea', price: 5, url: 'https://shop.example/new', stock: 4 }),
    });
    assert.equal(res.status, 201);
    assert.equal((await res.json()).restocked, true);
    const { rows } = await ctx.h.db.pool.query(`SELECT properties FROM events WHERE type = 'product.restocked' AND customer_id = 'product:p-new'`);
    assert.equal(rows.length, 1, 'the restock is stored for the relay');
    const empty = await fetch(`${ctx.app.url}/v1/products/p-empty`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Empty', price: 5, url: 'https://shop.example/empty', stock: 0 }),
    });
    assert.equal((await empty.json()).restocked, false);
  });

  test('/metrics labels are bounded reason codes, never provider text', async () => {
    await ctx.h.db.pool.query(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status, skip_reason)
       VALUES ('k-1', 'w/1', 'welcome', 'welcome-email', 'c-m', 'welcome', 'marketing', 'failed', 'Resend said: <b>422 invalid "to" for ada@example.com</b>'),
              ('k-2', 'w/2', 'welcome', 'welcome-email', 'c-m2', 'welcome', 'marketing', 'skipped', 'no_consent')`,
    );
    const text = await (await fetch(`${ctx.app.url}/metrics`)).text();
    assert.doesNotMatch(text, /ada@example\.com|Resend said/);
    assert.match(text, /journeys_messages\{journey="welcome",status="failed",reason="other"\} 1/);
    assert.match(text, /journeys_messages\{journey="welcome",status="skipped",reason="no_consent"\} 1/);
  });

  test('/metrics can be protected with a token', async () => {
    const server = await listen({ ...ctx.h.config, metrics: { ...ctx.h.config.metrics, token: 'metrics-token-0123456789' } }, ctx.h);
    try {
      assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).status, 200);
    } finally {
      await server.close();
    }
  });

  test('/readyz does not tell the public why a dependency is down', async () => {
    const secret = 'connect ECONNREFUSED 10.1.2.3:7233 (internal-host.corp)';
    const temporal = {
      withDeadline: () => Promise.reject(new Error(secret)),
      connection: { workflowService: { getSystemInfo: () => Promise.reject(new Error(secret)) } },
    };
    const server = await listen(ctx.h.config, ctx.h, temporal);
    try {
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 503);
      const body = await res.text();
      assert.doesNotMatch(body, /ECONNREFUSED|10\.1\.2\.3|internal-host/);
      const parsed = JSON.parse(body);
      assert.deepEqual([parsed.status, parsed.checks], ['unavailable', { postgres: 'ok', temporal: 'unavailable' }]);
    } finally {
      await server.close();
    }
  });

  test('answers carry security headers', async () => {
    const res = await fetch(`${ctx.app.url}/healthz`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('content-security-policy'), 'a content security policy');
    assert.ok(res.headers.get('strict-transport-security'), 'HSTS');
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  test('a customer id in any script is mailed (the provider key header is printable ASCII)', async () => {
    const id = 'клиент-𳸘';
    await ctx.h.customer(id);
    const outcome = await ctx.h.send({ customerId: id, idempotencyKey: `welcome/${id}/welcome-email` });
    assert.equal(outcome.status, 'sent');
    assert.match(ctx.h.resend.emails.at(-1)!.idempotencyKey ?? '', /^[\x20-\x7e]+$/);
  });

  test('a client over the /v1 rate limit gets 429 with Retry-After', async () => {
    const server = await listen({ ...ctx.h.config, api: { ...ctx.h.config.api, rateLimitPerMinute: 5 } }, ctx.h);
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${server.url}/v1/stats/journeys`, { headers: auth });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          assert.equal((await res.json()).error.code, 'rate_limited');
        }
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      assert.ok(Number(retryAfter) > 0, 'Retry-After in seconds');
    } finally {
      await server.close();
    }
  });
});
