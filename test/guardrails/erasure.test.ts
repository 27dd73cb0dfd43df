import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERASURE_REASON, eraseCustomer, pseudonym, type JourneyControl } from '../../api/erasure';
import { unsubscribe } from '../../api/routes/unsubscribe';
import { storeEvents } from '../../ingest/store';
import { upsertCustomerProfile } from '../../ingest/projections';
import { startSendHarness, transactionalInput, type SendHarness } from './harness';
import { CustomerIdKey } from '../../workflows/messages';

/** A Temporal stand-in: lists the given journeys and records what was terminated, with the reason. */
function fakeTemporal(journeys: { workflowId: string; running: boolean }[]) {
  const terminated: { workflowId: string; reason?: string }[] = [];
  const queries: string[] = [];
  const control: JourneyControl = {
    workflow: {
      list: ((options: { query: string }) => {
        queries.push(options.query);
        const running = journeys.filter((j) => j.running || !/ExecutionStatus = 'Running'/.test(options.query));
        return (async function* () {
          for (const j of running) yield { workflowId: j.workflowId, runId: `run-${j.workflowId}`, status: { name: j.running ? 'RUNNING' : 'COMPLETED' } };
        })();
      }) as never,
      getHandle: ((workflowId: string) => ({
        terminate: async (reason?: string) => {
          terminated.push({ workflowId, reason });
        },
      })) as never,
    },
  };
  return { control, terminated, queries };
}

describe('erasure (GDPR)', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('scrubs personal data everywhere, keeps order totals, terminates running journeys and audits without PII', async () => {
    const id = "c-erase-o'brien";
    await storeEvents(h.db.pool, [
      { id: 'e-er-1', type: 'customer.created', customerId: id, properties: { email: 'eve@example.com', firstName: 'Eve', marketingConsent: true, birthday: '1990-05-01', attributes: { tier: 'gold', favoriteCategory: 'Oolong-Liebhaberin' } } },
      { id: 'e-er-2', type: 'order.placed', customerId: id, properties: { orderId: 'o-er-1', total: 30, currency: 'EUR', items: [{ productId: 'p', title: 'Tea', price: 30, quantity: 1 }] } },
      { id: 'e-er-3', type: 'order.shipped', customerId: id, properties: { orderId: 'o-er-1', carrier: 'DHL', trackingNumber: 'TRACK123', trackingUrl: 'https://track.example.com/TRACK123' } },
    ] as never);
    await h.db.pool.query(`UPDATE events SET dispatched_at = now() WHERE id IN ('e-er-1', 'e-er-2')`);
    const sent = await h.activities.sendMessage(transactionalInput(id, 'o-er-1'));
    assert.equal(sent.status, 'sent');
    const providerId = sent.status === 'sent' ? sent.providerMessageId : '';
    await h.db.pool.query(`INSERT INTO webhook_events (svix_id, type, payload) VALUES ('msg_er', 'email.delivered', $1)`, [
      JSON.stringify({ type: 'email.delivered', data: { email_id: providerId, to: ['eve@example.com'] } }),
    ]);
    await h.db.pool.query(
      `INSERT INTO outbox (idempotency_key, provider_id, to_email, from_email, subject, html, text) VALUES ('local/1', 'ob_1', 'eve@example.com', 'shop@x', 'Hi Eve', '<p>Eve</p>', 'Eve')`,
    );
    await unsubscribe(h.db.pool, id, 'test');

    const temporal = fakeTemporal([
      { workflowId: `welcome/${id}`, running: true },
      { workflowId: 'order/o-er-1', running: true },
      { workflowId: `vip/${id}`, running: false },
    ]);
    const result = await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: temporal.control }, id, new Date('2026-02-01T00:00:00Z'));
    assert.equal(result.journeysEnded, 2);
    assert.deepEqual(temporal.terminated, [
      { workflowId: `welcome/${id}`, reason: ERASURE_REASON },
      { workflowId: 'order/o-er-1', reason: ERASURE_REASON },
    ]);
    assert.deepEqual(temporal.queries, [`${CustomerIdKey.name} = 'c-erase-o\\'brien' AND ExecutionStatus = 'Running'`]);

    const customer = (await h.db.pool.query('SELECT * FROM customers WHERE id = $1', [id])).rows[0];
    assert.deepEqual(
      [customer.email, customer.first_name, customer.birthday, customer.marketing_consent, customer.consent_source, customer.unsubscribed_at, customer.erased_at],
      [null, null, null, false, null, null, new Date('2026-02-01T00:00:00Z')],
    );
    assert.deepEqual(customer.attributes, {}, 'custom attributes are erased with the profile');
    assert.ok(!JSON.stringify(customer.profile_at).includes('attributes.'), 'and so are their versions');
    const dump = JSON.stringify(
      (
        await h.db.pool.query(
          `SELECT (SELECT json_agg(e) FROM events e WHERE customer_id = $1) AS events,
                  (SELECT json_agg(m) FROM messages m WHERE customer_id = $1) AS messages,
                  (SELECT json_agg(o) FROM orders o WHERE customer_id = $1) AS orders,
                  (SELECT json_agg(w) FROM webhook_events w) AS webhooks,
                  (SELECT json_agg(o) FROM outbox o) AS outbox,
                  (SELECT json_agg(a) FROM audit_log a) AS audit`,
          [id],
        )
      ).rows[0],
    );
    for (const pii of ['eve@example.com', 'Eve', '1990-05-01', 'TRACK123', 'Oolong-Liebhaberin']) assert.ok(!dump.includes(pii), `${pii} is gone`);
    const auditDump = JSON.stringify((await h.db.pool.query('SELECT * FROM audit_log')).rows);
    assert.ok(!auditDump.includes("o'brien"), 'the audit log holds no customer id in clear');
    const order = (await h.db.pool.query('SELECT total, currency, items FROM orders WHERE id = $1', ['o-er-1'])).rows[0];
    assert.deepEqual([order.total, order.currency, order.items.length], [30, 'EUR', 1]);
    const pending = (await h.db.pool.query(`SELECT dispatched_at, dispatch_error FROM events WHERE id = 'e-er-3'`)).rows[0];
    assert.equal(pending.dispatch_error, 'customer erased', 'an undispatched event will not start journeys');
    const audit = await h.db.pool.query('SELECT action, subject FROM audit_log ORDER BY id');
    assert.deepEqual(audit.rows, [
      { action: 'unsubscribe', subject: `customer:${pseudonym(h.config.pseudonymSecret, id)}` },
      { action: 'erase', subject: `customer:${pseudonym(h.config.pseudonymSecret, id)}` },
    ]);

    // Nothing is sent to an erased customer, transactional included.
    assert.deepEqual(await h.activities.sendMessage(transactionalInput(id, 'o-er-2')), { status: 'skipped', reason: 'erased' });
  });

  test('erasing an unknown id or erasing twice succeeds and leaves a tombstone', async () => {
    const temporal = fakeTemporal([]);
    await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: temporal.control }, 'c-never-seen');
    await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: temporal.control }, 'c-never-seen');
    const row = (await h.db.pool.query('SELECT email, erased_at FROM customers WHERE id = $1', ['c-never-seen'])).rows[0];
    assert.equal(row.email, null);
    assert.ok(row.erased_at);
  });

  test('a profile that occurred before the erasure cannot revive it; one after it starts fresh with its own consent only', async () => {
    const id = 'c-revive';
    await upsertCustomerProfile(h.db.pool, id, { email: 'old@example.com', marketingConsent: true }, { source: 'test', at: '2026-01-01T00:00:00Z' });
    await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: fakeTemporal([]).control }, id, new Date('2026-02-01T00:00:00Z'));

    await upsertCustomerProfile(h.db.pool, id, { email: 'old@example.com', firstName: 'Old' }, { source: 'late', at: '2026-01-15T00:00:00Z' });
    let row = (await h.db.pool.query('SELECT email, first_name, erased_at FROM customers WHERE id = $1', [id])).rows[0];
    assert.deepEqual([row.email, row.first_name, row.erased_at instanceof Date], [null, null, true]);

    await upsertCustomerProfile(h.db.pool, id, { email: 'new@example.com' }, { source: 'event:customer.created:new', at: '2026-02-02T00:00:00Z' });
    row = (await h.db.pool.query('SELECT email, marketing_consent, consent_source, erased_at FROM customers WHERE id = $1', [id])).rows[0];
    assert.deepEqual(row, { email: 'new@example.com', marketing_consent: false, consent_source: null, erased_at: null });
    h.setNow('2026-02-03T12:00:00Z');
    assert.deepEqual(await h.send({ customerId: id, idempotencyKey: 'revive/1' }), { status: 'skipped', reason: 'no_consent' });

    await upsertCustomerProfile(h.db.pool, id, { marketingConsent: true }, { source: 'event:customer.updated:optin', at: '2026-02-03T00:00:00Z' });
    assert.equal((await h.send({ customerId: id, idempotencyKey: 'revive/2' })).status, 'sent');
  });
  test('a customer who comes back under the same id after erasure is mailed afresh under the same message keys', async () => {
    const id = 'c-comeback';
    await upsertCustomerProfile(h.db.pool, id, { email: 'first@example.com' }, { source: 'test', at: '2026-01-01T00:00:00Z' });
    const before = await h.activities.sendMessage(transactionalInput(id, 'o-cb-1'));
    assert.equal(before.status, 'sent');
    await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: fakeTemporal([]).control }, id, new Date('2026-02-01T00:00:00Z'));

    await upsertCustomerProfile(h.db.pool, id, { email: 'second@example.com' }, { source: 'test', at: '2026-02-02T00:00:00Z' });
    const again = await h.activities.sendMessage(transactionalInput(id, 'o-cb-1'));
    assert.equal(again.status, 'sent', 'the erased ledger row no longer claims the key');
    assert.notEqual(again.status === 'sent' && again.messageId, before.status === 'sent' && before.messageId);
    const { rows } = await h.db.pool.query('SELECT to_email FROM messages WHERE customer_id = $1 ORDER BY id', [id]);
    assert.deepEqual(rows.map((r) => r.to_email), ['second@example.com']);
    const old = await h.db.pool.query('SELECT to_email FROM messages WHERE customer_id = $1', [pseudonym(h.config.pseudonymSecret, id)]);
    assert.deepEqual(old.rows, [{ to_email: null }], 'the old row stays, under the pseudonym and without its address');
  });
  test('a customer erased, back under the same id and mailed the same key, can be erased again', async () => {
    // Each erasure renames the key; the same key erased twice must not rename to one value
    // (schemathesis found the unique violation: a 500 on the second DELETE).
    const id = 'c-erased-twice';
    for (const [email, at] of [['one@example.com', '2026-01-01'], ['two@example.com', '2026-02-02']] as const) {
      await upsertCustomerProfile(h.db.pool, id, { email }, { source: 'test', at: `${at}T00:00:00Z` });
      assert.equal((await h.activities.sendMessage(transactionalInput(id, 'o-twice-1'))).status, 'sent');
      await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: fakeTemporal([]).control }, id, new Date(`${at}T12:00:00Z`));
    }
    const { rows } = await h.db.pool.query('SELECT idempotency_key, to_email FROM messages WHERE customer_id = $1', [pseudonym(h.config.pseudonymSecret, id)]);
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0].idempotency_key, rows[1].idempotency_key);
    assert.deepEqual(rows.map((r) => r.to_email), [null, null]);
  });
});
