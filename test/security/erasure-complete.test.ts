import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { eraseCustomer, sweepErasures, type JourneyControl } from '../../api/erasure';
import { applyResendEvent } from '../../api/routes/webhooks';
import { enqueueEvents, storeEvents } from '../../ingest/store';
import { createSunsetActivities } from '../../activities/sunset';
import { journeyRoutes } from '../../ingest/routes';
import { createOutboxMailer } from '../../activities/email/outbox-mailer';
import { settledOrWaitingForLock, stallFirstPoolQuery, stallTransactionBefore } from '../helpers/stall';
import { recordEngagement } from '../../ingest/engagement';
import { defaultMachineSettings } from '../../ingest/machine-engagement';
import { withTransaction } from '../../db/transaction';
import { noJourneys, startSendHarness, transactionalInput, type SendHarness } from '../guardrails/harness';

/** Erasure is complete (no table keeps the id or the address) and durable (nothing writes them back). */

/**
 * Every row of every table, as one string, to search for leftovers; a table added later is
 * searched too. Only the customers tombstone keeps the shop's id (so older events cannot revive
 * the profile), with every personal field nulled.
 */
async function everything(db: Pool): Promise<string> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'customers'`,
  );
  const tables = rows.map((r) => r.name);
  assert.ok(tables.includes('journey_instances') && tables.includes('events'), `tables: ${tables}`);
  const dumps = await Promise.all(tables.map(async (t) => `${t}: ${JSON.stringify((await db.query(`SELECT * FROM ${t}`)).rows)}`));
  return dumps.join('\n');
}

describe('erasure, complete and durable', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(() => h?.close());

  test('no table keeps the raw customer id or the address; the audit pseudonym is keyed', async () => {
    const id = 'cust-8f3a-rawid';
    await storeEvents(h.db.pool, [
      { id: 'ev-raw-1', type: 'customer.created', customerId: id, properties: { email: 'raw@example.com', firstName: 'Rawley', marketingConsent: true, attributes: { loyaltyCard: 'RAWCARD-7731' } } },
      { id: 'ev-raw-2', type: 'order.placed', customerId: id, properties: { orderId: 'o-raw-1', total: 10, currency: 'EUR', items: [{ productId: 'p-raw', title: 'Tea', price: 10, quantity: 1 }] } },
      { id: 'ev-raw-3', type: 'back_in_stock.requested', customerId: id, properties: { productId: 'p-raw' } },
    ] as never);
    assert.equal((await h.send({ customerId: id, idempotencyKey: `welcome/${id}/welcome-email` })).status, 'sent');
    assert.equal((await h.activities.sendMessage(transactionalInput(id, 'o-raw-1'))).status, 'sent');
    // A person opened the welcome email: an engagement event naming the sending workflow.
    const welcomeId = (await h.db.pool.query(`SELECT id FROM messages WHERE idempotency_key = $1`, [`welcome/${id}/welcome-email`])).rows[0].id;
    await withTransaction(h.db.pool, (tx) =>
      recordEngagement(tx, { message: { id: Number(welcomeId) }, kind: 'open', at: new Date(Date.now() + 60_000), source: 'pixel' }, defaultMachineSettings),
    );
    await h.db.pool.query(
      `INSERT INTO step_claims (customer_id, journey, step, workflow_id, claimed_at) VALUES ($1, 'post-purchase', 'thank-you', $2, now())`,
      [id, `post-purchase/o-raw-1`],
    );
    await h.db.pool.query(`INSERT INTO back_in_stock_subscriptions (customer_id, product_id, requested_at) VALUES ($1, 'p-raw', now()) ON CONFLICT DO NOTHING`, [id]);
    // The relay's record of the journeys it started names the customer inside each workflow id:
    // one row per journey of the routing table, as its own id builder names it for this
    // customer (a journey added later is in the list by itself).
    const anEvent = { id: 'ev-raw-route', type: 'order.placed', customerId: id, occurredAt: new Date().toISOString(), properties: { orderId: 'o-raw-1', productId: 'p-raw', items: [] } };
    const started = journeyRoutes.map((r) => r.workflowId(anEvent as never, 'p-raw'));
    assert.ok(started.includes(`sunset/${id}`) && started.includes(`browse-abandonment/${id}`) && started.includes('post-purchase/o-raw-1'), started.join(', '));
    await h.db.pool.query(`INSERT INTO journey_instances (workflow_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [started]);

    // Months without a sign of life: the sunset sweep stores a lapse event of our own, whose id
    // outlives the erasure (it keeps the sweep from asking twice about one lapse).
    const passAt = new Date(Date.now() + 200 * 86_400_000).toISOString();
    const sweep = createSunsetActivities({ db: h.db.pool, config: h.config.journeys, now: () => new Date(passAt), enqueueEvents, pseudonymSecret: h.config.pseudonymSecret });
    assert.equal((await sweep.sweepLapsedRecipients({ after: null, passAt })).handedOver, 1, 'the customer lapsed');
    // …and one stored before lapse ids were keyed: an unkeyed hash of the id and the lapse.
    const earlierLapse = '2026-01-01T00:00:00.000Z';
    const unkeyed = (since: string) => createHash('sha256').update(`${id}\n${since}`).digest('hex').slice(0, 32);
    await enqueueEvents(h.db.pool, [
      { id: `customer.lapsed:${unkeyed(earlierLapse)}`, type: 'customer.lapsed', customerId: id, occurredAt: earlierLapse, properties: { lapsedSince: earlierLapse } },
    ]);

    await eraseCustomer({ db: h.db.pool, temporal: noJourneys, secret: h.config.pseudonymSecret }, id);
    const dump = await everything(h.db.pool);
    for (const leftover of [id, 'raw@example.com', 'Rawley', 'RAWCARD-7731', 'loyaltyCard']) assert.ok(!dump.includes(leftover), `${leftover} is left in:\n${dump.split('\n').filter((l) => l.includes(leftover)).join('\n').slice(0, 800)}`);
    const audit = await h.db.pool.query(`SELECT subject FROM audit_log WHERE action = 'erase'`);
    assert.match(audit.rows[0].subject, /^customer:hmac-sha256:[0-9a-f]{64}$/);
    const unsalted = createHash('sha256').update(id).digest('hex');
    assert.ok(!dump.includes(unsalted), 'no unkeyed hash of the id, which anyone could recompute');
    const lapses = (await h.db.pool.query(`SELECT id, properties FROM events WHERE type = 'customer.lapsed'`)).rows;
    assert.equal(lapses.length, 2);
    for (const lapse of lapses) {
      const hash = unkeyed(lapse.properties.lapsedSince);
      assert.ok(!dump.includes(hash), `the lapse event id ${lapse.id} is an unkeyed hash of the id and the lapse: guessing ids recovers it`);
    }
    const order = (await h.db.pool.query(`SELECT total, currency FROM orders WHERE id = 'o-raw-1'`)).rows[0];
    assert.deepEqual([order.total, order.currency], [10, 'EUR'], 'orders keep their totals for the books');
  });

  test('a send in flight when erasure runs neither mails nor writes the message back', async () => {
    const id = 'cust-inflight';
    await h.customer(id, { email: 'inflight@example.com', firstName: 'Ines' });
    const before = h.resend.emails.length;
    let erased = false;
    // Erasure runs while the send path renders (after its claim committed, before the hand-over).
    const racing = new Proxy(h.db.pool, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return async (text: unknown, ...rest: unknown[]) => {
          if (!erased && typeof text === 'string' && /^\s*UPDATE messages SET payload/.test(text)) {
            erased = true;
            await eraseCustomer({ db: target, temporal: noJourneys, secret: h.config.pseudonymSecret }, id);
          }
          return (target.query as (...a: unknown[]) => unknown)(text, ...rest);
        };
      },
    });
    const activities = h.activitiesWith({ db: racing as Pool });
    const outcome = await activities.sendMessage(transactionalInput(id, 'o-inflight'));
    assert.ok(erased, 'the erasure ran mid-send');
    assert.deepEqual(outcome, { status: 'skipped', reason: 'erased' });
    assert.equal(h.resend.emails.length, before, 'nothing was mailed');
    const dump = await everything(h.db.pool);
    for (const leftover of ['inflight@example.com', 'Ines', id]) assert.ok(!dump.includes(leftover), `${leftover} was written back`);
  });

  test("an outbox send that lands while erasure scrubs (after it emptied the outbox, before the message log) leaves no copy", async () => {
    const id = 'cust-outbox-race';
    await h.customer(id, { email: 'outbox-race@example.com', firstName: 'Otto' });
    // The send has claimed its row and rendered; its one outbox statement waits.
    const send = stallFirstPoolQuery(h.db.pool);
    const sending = h.activitiesWith({ db: send.pool, mailer: createOutboxMailer(send.pool) }).sendMessage(transactionalInput(id, 'o-outbox-race'));
    await send.stall.reached;
    // Erasure runs up to the message log's scrub: the outbox copies are deleted, its transaction open.
    const erasure = stallTransactionBefore(h.db.pool, /^\s*UPDATE messages m SET customer_id/);
    const erasing = eraseCustomer({ db: erasure.pool, temporal: noJourneys, secret: h.config.pseudonymSecret }, id);
    await erasure.stall.reached;
    // Now the outbox statement: it either completes at once or waits for the erasure to commit.
    send.stall.release();
    await settledOrWaitingForLock(h.db.pool, sending, 'INSERT INTO outbox');
    erasure.stall.release();
    await erasing;
    const outcome = await sending;
    const dump = await everything(h.db.pool);
    for (const leftover of ['outbox-race@example.com', 'Otto', id]) {
      assert.ok(!dump.includes(leftover), `${leftover} is left in:\n${dump.split('\n').filter((l) => l.includes(leftover)).join('\n').slice(0, 600)}`);
    }
    assert.deepEqual(outcome, { status: 'skipped', reason: 'erased' });
  });

  test('a Resend webhook that arrives after the erasure does not store the address again', async () => {
    const id = 'cust-late-hook';
    await h.customer(id, { email: 'late@example.com' });
    const sent = await h.activities.sendMessage(transactionalInput(id, 'o-late'));
    assert.equal(sent.status, 'sent');
    const providerId = sent.status === 'sent' ? sent.providerMessageId : '';
    await eraseCustomer({ db: h.db.pool, temporal: noJourneys, secret: h.config.pseudonymSecret }, id);
    for (const [svixId, type] of [['msg_late_1', 'email.delivered'], ['msg_late_2', 'email.bounced'], ['msg_late_3', 'email.complained']] as const) {
      const event = { type, created_at: new Date().toISOString(), data: { email_id: providerId, to: ['late@example.com'], subject: 'Your order', bounce: { type: 'Permanent' } } };
      await applyResendEvent(h.db.pool, svixId, event, event);
    }
    const dump = await everything(h.db.pool);
    assert.ok(!dump.includes('late@example.com'), `the address came back:\n${dump.split('\n').filter((l) => l.includes('late@')).join('\n').slice(0, 600)}`);
  });

  test('the second pass ends and scrubs what an event leased before the erasure started afterwards', async () => {
    const id = 'cust-leased';
    await h.customer(id, { email: 'leased@example.com' });
    await storeEvents(h.db.pool, [{ id: 'ev-leased', type: 'product.viewed', customerId: id, properties: { productId: 'p-1' } }] as never);
    // The relay holds the event (its lease ran out 20 s ago by now) while the erasure runs…
    await h.db.pool.query(`UPDATE events SET leased_until = now() - interval '20 seconds' WHERE id = 'ev-leased'`);
    const terminated: string[] = [];
    let listed = 0;
    const temporal: JourneyControl = {
      workflow: {
        list: (() => {
          listed++;
          // …and dispatches it after the first pass: a journey runs under the erased id.
          return (async function* () {
            if (listed > 1) yield { workflowId: `browse-abandonment/${id}`, runId: 'r1', status: { name: 'RUNNING' } };
          })();
        }) as never,
        getHandle: ((workflowId: string) => ({ terminate: async () => void terminated.push(workflowId) })) as never,
      },
    };
    await eraseCustomer({ db: h.db.pool, temporal, secret: h.config.pseudonymSecret }, id);
    // The journey's send, skipped 'erased', logs a row under the raw id.
    assert.equal((await h.activities.sendMessage(transactionalInput(id, 'o-leased'))).status, 'skipped');
    assert.equal((await h.db.pool.query('SELECT 1 FROM messages WHERE customer_id = $1', [id])).rowCount, 1);

    assert.equal(await sweepErasures({ db: h.db.pool, temporal, secret: h.config.pseudonymSecret }), 0, 'not before the lease has run out (plus slack)');
    await h.db.pool.query(`UPDATE customers SET erasure_sweep_due_at = now() - interval '1 second' WHERE id = $1`, [id]);
    assert.equal(await sweepErasures({ db: h.db.pool, temporal, secret: h.config.pseudonymSecret }), 1);
    assert.deepEqual(terminated, [`browse-abandonment/${id}`]);
    assert.equal((await h.db.pool.query('SELECT 1 FROM messages WHERE customer_id = $1', [id])).rowCount, 0);
    assert.equal(await sweepErasures({ db: h.db.pool, temporal, secret: h.config.pseudonymSecret }), 0, 'done once');
  });
});
