import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool, PoolClient } from 'pg';
import { createPool } from '../../db/pool';
import { createOutboxMailer } from '../../activities/email/outbox-mailer';
import type { Mailer } from '../../activities/email/mailer';
import { sendMessage } from '../../activities/send-message';
import { createGuardrails } from '../../activities/guardrails';
import { templates } from '../../emails';
import { marketingInput, startSendHarness, transactionalInput, type SendHarness } from './harness';

/**
 * The send path through the local outbox (no RESEND_API_KEY): the email is stored and the
 * ledger row marked sent in one statement, so there is no hand-over and nothing in doubt. The
 * guarantees are the same as through Resend: one email per key, whatever races.
 */
describe('sending through the outbox', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  const outbox = (key: string) => h.db.pool.query('SELECT provider_id, to_email, subject, html, text, headers FROM outbox WHERE idempotency_key = $1', [key]);
  const ledger = async (key: string) =>
    (await h.db.pool.query('SELECT id, status, provider_message_id, delivery, payload, subject, links FROM messages WHERE idempotency_key = $1', [key])).rows[0];

  /** A pool whose every round trip (one `query` of a client, several statements or one) is counted. */
  /** Round trips a send makes, and apart from them the PREPAREs a connection makes once (db/prepared.ts). */
  function countingPool(): { pool: Pool; roundTrips: () => number; prepares: () => number } {
    const pool = createPool(h.db.url, 4);
    let count = 0;
    let prepares = 0;
    pool.on('connect', (client: PoolClient) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === 'string' && args[0].startsWith('PREPARE ')) prepares++;
        else count++;
        return query(...args);
      };
    });
    return { pool, roundTrips: () => count, prepares: () => prepares };
  }

  test('a marketing email is stored with its headers, and the row is sent with the outbox id, its links and no payload', async () => {
    await h.customer('c-ob-1', { firstName: 'Ada' });
    const outcome = await h.activitiesWith({ mailer: createOutboxMailer(h.db.pool) }).sendMessage(
      marketingInput({ customerId: 'c-ob-1', idempotencyKey: 'welcome/c-ob-1/welcome-email' }),
    );
    assert.equal(outcome.status, 'sent');
    const stored = (await outbox('welcome/c-ob-1/welcome-email')).rows;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].to_email, 'c-ob-1@example.com');
    assert.match(stored[0].html, /Hi Ada,/);
    assert.match(stored[0].text, /Unsubscribe http/);
    assert.match(stored[0].headers['List-Unsubscribe'], /^<http:\/\/shop\.test\/u\//);
    const row = await ledger('welcome/c-ob-1/welcome-email');
    assert.equal(outcome.status === 'sent' && outcome.providerMessageId, stored[0].provider_id);
    assert.deepEqual(
      { status: row.status, provider: row.provider_message_id, delivery: row.delivery, payload: row.payload, subject: row.subject },
      { status: 'sent', provider: stored[0].provider_id, delivery: null, payload: null, subject: stored[0].subject },
    );
    assert.ok(row.links.length > 0, 'the links the click redirect may follow');
    assert.ok(row.links.every((l: string) => !stored[0].html.includes(`href="${l}"`)), 'every link in the stored HTML goes through tracking');
  });

  test('a first send takes three round trips: claim reads, claim write + COMMIT, store + sent (a coupon adds one); a connection prepares each shape of claim once', async () => {
    await h.customer('c-ob-rt');
    const { context: _context, ...cart } = templates['abandoned-cart'].PreviewProps;
    await h.db.pool.query(`INSERT INTO products (id, title, price, url, stock) SELECT id, id, 10, 'https://shop.example.com/p/' || id, 5 FROM unnest($1::text[]) AS id`, [
      cart.items.map((i) => i.productId),
    ]);
    const { pool, roundTrips, prepares } = countingPool();
    try {
      const activities = h.activitiesWith({ db: pool, mailer: createOutboxMailer(pool) });
      // guardrails, the frequency cap and the stock filter all read in the claim's first round trip
      const reminder = await activities.sendMessage(
        marketingInput({
          customerId: 'c-ob-rt',
          idempotencyKey: 'abandoned-cart/c-ob-rt/first-reminder/1',
          journey: 'abandoned-cart',
          template: 'abandoned-cart',
          data: cart as unknown as Record<string, unknown>,
          promotes: true,
          onCap: 'defer',
          coupon: undefined,
        }),
      );
      assert.equal(reminder.status, 'sent');
      assert.equal(roundTrips(), 3);
      let before = roundTrips();
      assert.equal((await activities.sendMessage(transactionalInput('c-ob-rt', 'o-ob-rt'))).status, 'sent');
      assert.equal(roundTrips() - before, 3);
      before = roundTrips();
      h.setNow('2026-01-17T12:00:00Z');
      assert.equal((await activities.sendMessage(marketingInput({ customerId: 'c-ob-rt', idempotencyKey: 'welcome/c-ob-rt/welcome-email' }))).status, 'sent');
      assert.equal(roundTrips() - before, 4, 'the coupon is issued in one more');
      // A skip is decided in the claim: two round trips, nothing stored.
      before = roundTrips();
      await h.customer('c-ob-rt', { marketingConsent: false }, '2026-01-17T13:00:00Z');
      h.setNow('2026-01-19T12:00:00Z');
      assert.deepEqual(await activities.sendMessage(marketingInput({ customerId: 'c-ob-rt', idempotencyKey: 'k/ob-rt/2' })), {
        status: 'skipped',
        reason: 'no_consent',
      });
      assert.equal(roundTrips() - before, 2);
      // one connection (the sends run one after another): the ledger write, and the reads of
      // the cart reminder's claim (frequency cap and stock), the order confirmation's (neither)
      // and the welcome's (the cap), which the skipped send reuses
      assert.equal(prepares(), 4);
      h.setNow('2026-01-15T12:00:00Z');
    } finally {
      await pool.end();
    }
  });

  test('two attempts of the same claim (a worker thought dead and its retry) store one email', async () => {
    await h.customer('c-ob-zombie');
    const real = createOutboxMailer(h.db.pool);
    const answers: unknown[] = [];
    const twice: Mailer = {
      ...real,
      async sendClaimed(claim, email) {
        const both = await Promise.all([real.sendClaimed!(claim, email), real.sendClaimed!(claim, { ...email, html: `${email.html}<!-- b -->` })]);
        answers.push(...both);
        return both[0] ?? both[1];
      },
    };
    const outcome = await h.activitiesWith({ mailer: twice }).sendMessage(marketingInput({ customerId: 'c-ob-zombie', idempotencyKey: 'k/ob-zombie' }));
    assert.equal(outcome.status, 'sent');
    assert.equal(answers.filter((a) => a === undefined).length, 1, 'the second attempt finds the row no longer its to send');
    assert.equal((await outbox('k/ob-zombie')).rows.length, 1);
  });

  test('racing sends of one key from separate worker processes: one email, every attempt answers sent', async () => {
    await h.customer('c-ob-race');
    const pools = Array.from({ length: 4 }, () => createPool(h.db.url, 2));
    try {
      const input = marketingInput({ customerId: 'c-ob-race', idempotencyKey: 'k/ob-race' });
      const outcomes = await Promise.allSettled(pools.map((pool) => h.activitiesWith({ db: pool, mailer: createOutboxMailer(pool) }).sendMessage(input)));
      // An attempt that finds another one's claim still pending retries (as the activity would) and finds it sent.
      const settled = await Promise.all(
        outcomes.map((o) => (o.status === 'fulfilled' ? o.value : h.activitiesWith({ mailer: createOutboxMailer(h.db.pool) }).sendMessage(input))),
      );
      assert.ok(settled.every((o) => o.status === 'sent'), JSON.stringify(settled));
      assert.equal((await outbox('k/ob-race')).rows.length, 1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  test('two worker processes racing for the last frequency-cap slot: one email in the outbox', async () => {
    await h.customer('c-ob-cap');
    const pools = Array.from({ length: 5 }, () => createPool(h.db.url, 2));
    try {
      const outcomes = await Promise.all(
        pools.map((pool, i) =>
          h.activitiesWith({ db: pool, mailer: createOutboxMailer(pool) }).sendMessage(
            marketingInput({ customerId: 'c-ob-cap', idempotencyKey: `journey-${i}/c-ob-cap/step`, journey: `journey-${i}`, onCap: 'skip' }),
          ),
        ),
      );
      assert.equal(outcomes.filter((o) => o.status === 'sent').length, 1, JSON.stringify(outcomes));
      const stored = await h.db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE to_email = 'c-ob-cap@example.com'`);
      assert.equal(stored.rows[0].n, 1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  test('erased while the email was rendered: nothing is stored, the send is skipped', async () => {
    await h.customer('c-ob-erased');
    const real = createOutboxMailer(h.db.pool);
    const erasing: Mailer = {
      ...real,
      async sendClaimed(claim, email) {
        // what erasure does to the customer's ledger rows (api/erasure.ts): another key
        await h.db.pool.query(`UPDATE messages SET idempotency_key = 'erased/' || id WHERE id = $1`, [claim.messageId]);
        return real.sendClaimed!(claim, email);
      },
    };
    const outcome = await h.activitiesWith({ mailer: erasing }).sendMessage(marketingInput({ customerId: 'c-ob-erased', idempotencyKey: 'k/ob-erased' }));
    assert.deepEqual(outcome, { status: 'skipped', reason: 'erased' });
    assert.equal((await outbox('k/ob-erased')).rows.length, 0);
  });

  test('the frequency cap counts the whole window even when the claim read less of it', async () => {
    await h.customer('c-ob-window');
    const guardrails = createGuardrails({ ...h.config.journeys.guardrails, frequencyCapWindow: '16 hours', frequencyCapCount: 1 });
    const deps = {
      db: h.db.pool,
      mailer: createOutboxMailer(h.db.pool),
      now: () => h.now,
      guardrails,
      mail: h.config.mail,
      publicUrl: h.config.publicUrl,
      shopUrl: h.config.publicUrl,
      tokenSecret: 'guardrails-test-token-secret',
      // the claim reads one hour back; the cap looks back 16
      recentMarketingWindowMs: 60 * 60 * 1000,
    };
    h.setNow('2026-01-15T08:00:00Z');
    assert.equal((await sendMessage(deps, marketingInput({ customerId: 'c-ob-window', idempotencyKey: 'k/ob-window/1' }))).status, 'sent');
    h.setNow('2026-01-15T18:00:00Z');
    assert.deepEqual(await sendMessage(deps, marketingInput({ customerId: 'c-ob-window', idempotencyKey: 'k/ob-window/2' })), {
      status: 'skipped',
      reason: 'frequency_cap',
    });
    h.setNow('2026-01-15T12:00:00Z');
  });
});
