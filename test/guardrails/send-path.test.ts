import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../db/pool';
import { verifyToken } from '../../links/signed-links';
import { suppress } from '../../api/routes/webhooks';
import { unsubscribe } from '../../api/routes/unsubscribe';
import { TOKEN_SECRET, marketingInput, startSendHarness, transactionalInput, type SendHarness } from './harness';

/** The real sendMessage on a real database, mailing through the resend SDK into the fake Resend. */
describe('send-time guardrails', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  async function ledger(key: string) {
    return (await h.db.pool.query('SELECT status, skip_reason, category FROM messages WHERE idempotency_key = $1', [key])).rows[0];
  }

  describe('consent', () => {
    test('a customer without marketing consent gets the order confirmation but no marketing email', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-no-consent', { marketingConsent: false });
      const calls = h.resend.requests;
      const welcome = await h.send({ customerId: 'c-no-consent', idempotencyKey: 'k/no-consent/welcome' });
      assert.deepEqual(welcome, { status: 'skipped', reason: 'no_consent' });
      assert.equal(h.resend.requests, calls, 'no provider call for the skipped email');
      assert.deepEqual(await ledger('k/no-consent/welcome'), { status: 'skipped', skip_reason: 'no_consent', category: 'marketing' });

      const order = await h.activities.sendMessage(transactionalInput('c-no-consent', 'o-nc-1'));
      assert.equal(order.status, 'sent');
      const mail = h.resend.emails.at(-1)!;
      assert.deepEqual(mail.body.to, ['c-no-consent@example.com']);
      assert.equal(mail.body.headers?.['List-Unsubscribe'], undefined, 'transactional mail has no unsubscribe header');
    });

    test('consent is read at send time: withdrawn after the journey started, the next step is skipped', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-withdraws');
      assert.equal((await h.send({ customerId: 'c-withdraws', idempotencyKey: 'k/withdraws/1' })).status, 'sent');
      await h.customer('c-withdraws', { marketingConsent: false }, '2026-01-15T13:00:00Z');
      h.setNow('2026-01-16T12:00:00Z');
      const calls = h.resend.requests;
      assert.deepEqual(await h.send({ customerId: 'c-withdraws', idempotencyKey: 'k/withdraws/2' }), { status: 'skipped', reason: 'no_consent' });
      assert.equal(h.resend.requests, calls);
    });

    test('consent changes are recorded with their source and time; an unchanged consent keeps the first record', async () => {
      await h.customer('c-record', { marketingConsent: true }, '2026-01-10T09:00:00.000Z');
      await h.customer('c-record', { marketingConsent: true, firstName: 'Ada' }, '2026-01-11T09:00:00.000Z');
      let row = (await h.db.pool.query('SELECT marketing_consent, consent_source, consent_at FROM customers WHERE id = $1', ['c-record'])).rows[0];
      assert.deepEqual(row, { marketing_consent: true, consent_source: 'test', consent_at: new Date('2026-01-10T09:00:00.000Z') });
      await h.customer('c-record', { marketingConsent: false }, '2026-01-12T09:00:00.000Z');
      row = (await h.db.pool.query('SELECT marketing_consent, consent_at FROM customers WHERE id = $1', ['c-record'])).rows[0];
      assert.deepEqual(row, { marketing_consent: false, consent_at: new Date('2026-01-12T09:00:00.000Z') });
    });
  });

  describe('unsubscribe headers and footer', () => {
    test('a marketing email carries a signed one-click unsubscribe link, both headers and the postal address', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-headers');
      const out = await h.send({ customerId: 'c-headers', idempotencyKey: 'k/headers/1' });
      assert.equal(out.status, 'sent');
      const mail = h.resend.emails.at(-1)!;
      const header = mail.body.headers?.['List-Unsubscribe'] ?? '';
      const url = /^<(http:\/\/shop\.test\/u\/([\w-]+\.[\w-]+))>$/.exec(header);
      assert.ok(url, `List-Unsubscribe is one https link: ${header}`);
      assert.equal(mail.body.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
      const token = verifyToken(TOKEN_SECRET, url[2], 'unsubscribe');
      assert.equal(token?.c, 'c-headers');
      assert.equal(token?.m, out.status === 'sent' ? out.messageId : -1);
      assert.ok(mail.body.html.includes(url[1]), 'the footer links the same URL');
      assert.match(mail.body.html, /1 Example Street, 10115 Berlin/);
    });
  });

  describe('unsubscribe and suppression', () => {
    test('an unsubscribed customer gets no marketing email but still gets transactional mail', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-unsub');
      await unsubscribe(h.db.pool, 'c-unsub', 'test');
      const calls = h.resend.requests;
      assert.deepEqual(await h.send({ customerId: 'c-unsub', idempotencyKey: 'k/unsub/1' }), { status: 'skipped', reason: 'unsubscribed' });
      assert.equal(h.resend.requests, calls);
      assert.equal((await h.activities.sendMessage(transactionalInput('c-unsub', 'o-unsub-1'))).status, 'sent');
    });

    test('a suppressed address causes zero provider calls, transactional mail included', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-bounced', { email: 'Bounced@Example.com' });
      await suppress(h.db.pool, ['bounced@example.com'], 'hard_bounce', 'test');
      const calls = h.resend.requests;
      assert.deepEqual(await h.send({ customerId: 'c-bounced', idempotencyKey: 'k/bounced/1' }), { status: 'skipped', reason: 'suppressed' });
      assert.deepEqual(await h.activities.sendMessage(transactionalInput('c-bounced', 'o-bounced-1')), { status: 'skipped', reason: 'suppressed' });
      assert.equal(h.resend.requests, calls, 'the fake Resend saw nothing');
      assert.equal((await ledger('order/o-bounced-1/confirmation')).skip_reason, 'suppressed');
    });

    test('an unengaged customer gets no marketing email', async () => {
      await h.customer('c-unengaged');
      await h.db.pool.query('UPDATE customers SET unengaged_at = now() WHERE id = $1', ['c-unengaged']);
      assert.deepEqual(await h.send({ customerId: 'c-unengaged', idempotencyKey: 'k/unengaged/1' }), { status: 'skipped', reason: 'unengaged' });
    });
  });

  describe('frequency cap', () => {
    test('a second marketing email inside 16 h is skipped when the step says skip, and logged with the reason', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-cap-skip');
      assert.equal((await h.send({ customerId: 'c-cap-skip', idempotencyKey: 'k/cap-skip/1' })).status, 'sent');
      h.setNow('2026-01-15T20:00:00Z');
      const calls = h.resend.requests;
      assert.deepEqual(await h.send({ customerId: 'c-cap-skip', idempotencyKey: 'k/cap-skip/2', onCap: 'skip' }), {
        status: 'skipped',
        reason: 'frequency_cap',
      });
      assert.equal(h.resend.requests, calls);
      assert.deepEqual(await ledger('k/cap-skip/2'), { status: 'skipped', skip_reason: 'frequency_cap', category: 'marketing' });
      // Transactional mail is never capped.
      assert.equal((await h.activities.sendMessage(transactionalInput('c-cap-skip', 'o-cap-1'))).status, 'sent');
    });

    test('a step that says defer waits until the earlier send leaves the window, then goes out with the same key', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-cap-defer');
      assert.equal((await h.send({ customerId: 'c-cap-defer', idempotencyKey: 'k/cap-defer/1' })).status, 'sent');
      h.setNow('2026-01-15T18:00:00Z');
      const deferred = await h.send({ customerId: 'c-cap-defer', idempotencyKey: 'k/cap-defer/2', onCap: 'defer' });
      assert.deepEqual(deferred, { status: 'deferred', reason: 'frequency_cap', retryAt: '2026-01-16T04:00:00.000Z' });
      assert.equal((await ledger('k/cap-defer/2')).status, 'deferred');
      // Retried at retryAt (which is 04:00 UTC: the customer's zone is UTC, so quiet hours defer again to 08:00).
      h.setNow('2026-01-16T04:00:00Z');
      assert.deepEqual(await h.send({ customerId: 'c-cap-defer', idempotencyKey: 'k/cap-defer/2', onCap: 'defer' }), {
        status: 'deferred',
        reason: 'quiet_hours',
        retryAt: '2026-01-16T08:00:00.000Z',
      });
      h.setNow('2026-01-16T08:00:00Z');
      assert.equal((await h.send({ customerId: 'c-cap-defer', idempotencyKey: 'k/cap-defer/2', onCap: 'defer' })).status, 'sent');
    });

    test('a retried send of the message that holds the slot is not capped by itself', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-cap-self');
      const first = await h.send({ customerId: 'c-cap-self', idempotencyKey: 'k/cap-self/1' });
      const again = await h.send({ customerId: 'c-cap-self', idempotencyKey: 'k/cap-self/1' });
      assert.equal(first.status, 'sent');
      assert.deepEqual(again, first);
    });

    test('two worker processes racing for the last slot: exactly one provider call', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-race');
      const racers = 6;
      // One pool per racer: separate connections, as separate worker processes would have.
      const pools = Array.from({ length: racers }, () => createPool(h.db.url, 2));
      try {
        const calls = h.resend.requests;
        const outcomes = await Promise.all(
          pools.map((pool, i) =>
            h.activitiesWith({ db: pool }).sendMessage(
              marketingInput({ customerId: 'c-race', idempotencyKey: `journey-${i}/c-race/step`, journey: `journey-${i}`, onCap: 'skip' }),
            ),
          ),
        );
        assert.equal(outcomes.filter((o) => o.status === 'sent').length, 1, JSON.stringify(outcomes));
        assert.deepEqual(
          outcomes.filter((o) => o.status !== 'sent'),
          Array.from({ length: racers - 1 }, () => ({ status: 'skipped', reason: 'frequency_cap' })),
        );
        assert.equal(h.resend.requests - calls, 1, 'exactly one provider call');
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });

    test('with a cap of 2 per window, two racers of three get through', async () => {
      const h2 = await startSendHarness({ frequencyCapCount: 2, frequencyCapWindow: '1 day' });
      try {
        await h2.customer('c-cap2');
        const pools = Array.from({ length: 3 }, () => createPool(h2.db.url, 2));
        try {
          const outcomes = await Promise.all(
            pools.map((pool, i) =>
              h2.activitiesWith({ db: pool }).sendMessage(marketingInput({ customerId: 'c-cap2', idempotencyKey: `j${i}/c-cap2`, onCap: 'defer' })),
            ),
          );
          assert.equal(outcomes.filter((o) => o.status === 'sent').length, 2);
          const deferred = outcomes.find((o) => o.status === 'deferred');
          // Both earlier sends were claimed at the same clock time: the first slot frees 1 day later.
          assert.deepEqual(deferred, { status: 'deferred', reason: 'frequency_cap', retryAt: '2026-01-16T12:00:00.000Z' });
          assert.equal(h2.resend.emails.length, 2);
        } finally {
          await Promise.all(pools.map((p) => p.end()));
        }
      } finally {
        await h2.close();
      }
    });
  });

  describe('quiet hours', () => {
    test('a marketing send at 22:00 in New York waits until 08:00 there; the order confirmation goes at once', async () => {
      h.setNow('2026-01-15T03:00:00Z'); // 22:00 EST
      await h.customer('c-night', { timezone: 'America/New_York' });
      const calls = h.resend.requests;
      assert.deepEqual(await h.send({ customerId: 'c-night', idempotencyKey: 'k/night/1' }), {
        status: 'deferred',
        reason: 'quiet_hours',
        retryAt: '2026-01-15T13:00:00.000Z',
      });
      assert.equal(h.resend.requests, calls);
      assert.equal((await h.activities.sendMessage(transactionalInput('c-night', 'o-night-1'))).status, 'sent');
    });

    test('a customer without a time zone uses the configured default zone', async () => {
      const tokyo = await startSendHarness({ defaultTimezone: 'Asia/Tokyo' });
      try {
        tokyo.setNow('2026-01-15T13:00:00Z'); // 22:00 in Tokyo, 13:00 in UTC
        await tokyo.customer('c-nozone', { timezone: undefined });
        await tokyo.db.pool.query('UPDATE customers SET timezone = NULL WHERE id = $1', ['c-nozone']);
        assert.deepEqual(await tokyo.send({ customerId: 'c-nozone', idempotencyKey: 'k/nozone/1' }), {
          status: 'deferred',
          reason: 'quiet_hours',
          retryAt: '2026-01-15T23:00:00.000Z',
        });
      } finally {
        await tokyo.close();
      }
    });
  });

  describe('stock', () => {
    const cart = (key: string, customerId: string) =>
      marketingInput({
        customerId,
        idempotencyKey: key,
        journey: 'abandoned-cart',
        template: 'abandoned-cart',
        coupon: undefined,
        promotes: true,
        data: {
          cartUrl: 'https://shop.example.com/cart/1',
          items: [
            { productId: 'p-in', title: 'Oolong In Stock', price: 9, quantity: 1, currency: 'EUR' },
            { productId: 'p-out', title: 'Matcha Sold Out', price: 19, quantity: 1, currency: 'EUR' },
          ],
        },
      });

    before(async () => {
      await h.db.pool.query(
        `INSERT INTO products (id, title, price, url, stock) VALUES
           ('p-in', 'Oolong In Stock', 9, 'https://shop.example.com/p/in', 5),
           ('p-out', 'Matcha Sold Out', 19, 'https://shop.example.com/p/out', 0)`,
      );
    });

    test('a sold-out product is dropped from the email at send time', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-stock');
      assert.equal((await h.activities.sendMessage(cart('k/stock/1', 'c-stock'))).status, 'sent');
      const html = h.resend.emails.at(-1)!.body.html;
      assert.match(html, /Oolong In Stock/);
      assert.doesNotMatch(html, /Matcha Sold Out/);
    });

    test('nothing left in stock → skipped out_of_stock with no provider call', async () => {
      h.setNow('2026-01-15T12:00:00Z');
      await h.customer('c-stock-out');
      await h.db.pool.query(`UPDATE products SET stock = 0 WHERE id = 'p-in'`);
      try {
        const calls = h.resend.requests;
        assert.deepEqual(await h.activities.sendMessage(cart('k/stock/2', 'c-stock-out')), { status: 'skipped', reason: 'out_of_stock' });
        assert.equal(h.resend.requests, calls);
        assert.equal((await ledger('k/stock/2')).skip_reason, 'out_of_stock');
      } finally {
        await h.db.pool.query(`UPDATE products SET stock = 5 WHERE id = 'p-in'`);
      }
    });
  });
});
