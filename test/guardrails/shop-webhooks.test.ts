import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'svix';
import { unsubscribe, resubscribe } from '../../api/routes/unsubscribe';
import { suppress } from '../../api/routes/webhooks';
import { ShopWebhookSender } from '../../api/shop-webhooks';
import { startSendHarness, type SendHarness } from './harness';

const SECRET = `whsec_${Buffer.from('shop-webhook-test-secret-32-bytes!').toString('base64')}`;

/** The shop's endpoint: records what it receives, answers 500 while told to. */
async function startShopReceiver() {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let failing = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.writeHead(500).end();
        return;
      }
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/journeys`,
    received,
    failNext(n: number) {
      failing = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('webhooks to the shop', () => {
  let h: SendHarness;
  let shop: Awaited<ReturnType<typeof startShopReceiver>>;
  let sender: ShopWebhookSender;
  before(async () => {
    h = await startSendHarness();
    shop = await startShopReceiver();
    sender = new ShopWebhookSender({ db: h.db.pool, url: shop.url, secret: SECRET });
  });
  after(async () => {
    await shop?.close();
    await h?.close();
  });

  /** What the shop verified and received, in order. */
  function verified() {
    const wh = new Webhook(SECRET);
    return shop.received.map((r) => wh.verify(r.body, r.headers as Record<string, string>) as { type: string; data: Record<string, unknown> });
  }

  test('an unsubscribe reaches the shop as a signed webhook it can verify', async () => {
    await h.customer('wh-unsub', {}, '2026-01-10T09:00:00Z');
    await unsubscribe(h.db.pool, 'wh-unsub', 'unsubscribe-link:one-click', new Date('2026-01-12T09:00:00Z'));
    assert.equal(await sender.drainOnce(), 1);
    const [event] = verified().slice(-1);
    assert.equal(event.type, 'customer.unsubscribed');
    assert.deepEqual(event.data, {
      customerId: 'wh-unsub',
      email: 'wh-unsub@example.com',
      occurredAt: '2026-01-12T09:00:00.000Z',
      source: 'unsubscribe-link:one-click',
    });
    assert.match(String(shop.received.at(-1)!.headers['webhook-id']), /^msg_[0-9a-f]{32}$/);
    assert.equal(await sender.drainOnce(), 0, 'delivered once');
  });

  test('a forged or altered body fails verification', () => {
    const last = shop.received.at(-1)!;
    assert.throws(() => new Webhook(SECRET).verify(last.body.replace('wh-unsub', 'someone'), last.headers as Record<string, string>));
  });

  test('a shop that is down gets the webhook later, with the same webhook-id', async () => {
    await h.customer('wh-down', {}, '2026-01-10T09:00:00Z');
    await resubscribe(h.db.pool, 'wh-down', 'resubscribe-link', new Date('2026-01-12T09:00:00Z'));
    shop.failNext(1);
    const before = shop.received.length;
    assert.equal(await sender.drainOnce(), 0);
    const row = (await h.db.pool.query(`SELECT attempts, last_error, webhook_id FROM shop_webhooks WHERE type = 'customer.resubscribed'`)).rows[0];
    assert.deepEqual([row.attempts, row.last_error], [1, 'HTTP 500']);
    // Not due yet: backoff.
    assert.equal(await sender.drainOnce(), 0);
    await h.db.pool.query(`UPDATE shop_webhooks SET next_attempt_at = now() WHERE webhook_id = $1`, [row.webhook_id]);
    assert.equal(await sender.drainOnce(), 1);
    assert.equal(shop.received.length, before + 1);
    assert.equal(shop.received.at(-1)!.headers['webhook-id'], row.webhook_id);
    assert.equal(verified().at(-1)!.type, 'customer.resubscribed');
  });

  test('a suppression (hard bounce, complaint) reaches the shop', async () => {
    await suppress(h.db.pool, ['Bounced-Shop@Example.com'], 'hard_bounce', 'resend:email.bounced');
    await sender.drainOnce();
    const event = verified().at(-1)!;
    assert.equal(event.type, 'email.suppressed');
    assert.equal(event.data.email, 'bounced-shop@example.com');
    assert.equal(event.data.reason, 'hard_bounce');
  });

  test('two senders draining together post each webhook once', async () => {
    for (let i = 0; i < 10; i++) {
      await h.customer(`wh-many-${i}`, {}, '2026-01-10T09:00:00Z');
      await unsubscribe(h.db.pool, `wh-many-${i}`, 'test');
    }
    const other = new ShopWebhookSender({ db: h.db.pool, url: shop.url, secret: SECRET });
    const before = shop.received.length;
    const [a, b] = await Promise.all([sender.drainOnce(), other.drainOnce()]);
    assert.equal(a + b, 10);
    assert.equal(shop.received.length - before, 10);
    assert.equal(new Set(shop.received.slice(before).map((r) => r.headers['webhook-id'])).size, 10);
  });

  test('the started sender delivers on its own', async () => {
    const running = new ShopWebhookSender({ db: h.db.pool, url: shop.url, secret: SECRET, pollIntervalMs: 50 });
    running.start();
    try {
      await h.customer('wh-auto', {}, '2026-01-10T09:00:00Z');
      await unsubscribe(h.db.pool, 'wh-auto', 'test');
      const deadline = Date.now() + 5_000;
      while (!verified().some((e) => e.data.customerId === 'wh-auto') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(verified().some((e) => e.data.customerId === 'wh-auto'));
    } finally {
      await running.stop();
    }
  });
});
