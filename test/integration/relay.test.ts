import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { eventually, startHarness, type Harness } from './harness';

describe('no lost events: the relay delivers what Temporal could not take', () => {
  let h: Harness;
  let deadClient: Client;
  before(async () => {
    h = await startHarness();
    // The harness's own relay would deliver at once; this test plays the relays by hand.
    await h.api.relay.stop();
    // Port 1 on loopback: nothing listens, every call fails fast — Temporal is "down".
    deadClient = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  });
  after(async () => {
    await h?.close();
  });

  test('an event stored while Temporal is down waits with its error and is applied once when it is back', async () => {
    const log = pino({ level: 'silent' });
    const base = { db: h.db, taskQueue: h.config.temporal.taskQueue, journeys: h.config.journeys, log };
    const [stored] = await storeEvents(h.db, [
      {
        id: 'evt-relay-1',
        type: 'customer.created',
        customerId: 'cust-relay',
        properties: { email: 'relay@example.com', marketingConsent: true },
      },
    ]);
    assert.equal(stored.duplicate, false);

    const down = new EventRelay({ ...base, client: deadClient });
    assert.equal(await down.drain(), 0);
    const waiting = await h.db.query('SELECT dispatched_at, dispatch_attempts, dispatch_error FROM events WHERE id = $1', ['evt-relay-1']);
    assert.equal(waiting.rows[0].dispatched_at, null);
    assert.equal(waiting.rows[0].dispatch_attempts, 0, 'an unreachable Temporal costs the event no attempt');
    assert.match(waiting.rows[0].dispatch_error, /Temporal unavailable/, 'the failure is recorded');
    assert.equal(h.resend.emails.length, 0);

    // Back up: the retry is due after its backoff; make it due now instead of sleeping.
    await h.db.query('UPDATE events SET next_attempt_at = now() WHERE id = $1', ['evt-relay-1']);
    const up = new EventRelay({ ...base, client: h.env.client });
    assert.equal(await up.drain(), 1);
    assert.equal(await up.drain(), 0, 'nothing left to deliver');
    const email = await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'relay@example.com'), 20_000);
    assert.equal(email.idempotencyKey, 'welcome/cust-relay/welcome-email');

    // A second delivery of the same event (a relay that crashed before recording success) changes nothing.
    await h.db.query('UPDATE events SET dispatched_at = NULL, head_of_line = true, next_attempt_at = now() WHERE id = $1', ['evt-relay-1']);
    assert.equal(await up.drain(), 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(h.resend.emails.filter((e) => e.body.to[0] === 'relay@example.com').length, 1);
  });

  test('a restock recorded while Temporal is down still wakes the subscriber later', async () => {
    await h.request('PUT', '/v1/products/p-relay', { title: 'Kettle', price: 30, url: 'https://shop.example.com/kettle', stock: 0 });
    await h.request('PUT', '/v1/customers/cust-bis', { email: 'bis@example.com' });
    const [requested] = await storeEvents(h.db, [
      { type: 'back_in_stock.requested', customerId: 'cust-bis', properties: { productId: 'p-relay' } },
    ]);
    const log = pino({ level: 'silent' });
    const base = { db: h.db, taskQueue: h.config.temporal.taskQueue, journeys: h.config.journeys, log };
    const up = new EventRelay({ ...base, client: h.env.client });
    await up.drain();
    assert.ok(requested.id);

    const put = await h.request('PUT', '/v1/products/p-relay', { title: 'Kettle', price: 30, url: 'https://shop.example.com/kettle', stock: 5 });
    assert.equal(put.body.restocked, true);
    const down = new EventRelay({ ...base, client: deadClient });
    await down.drain();
    const pending = await h.db.query(`SELECT dispatched_at FROM events WHERE type = 'product.restocked'`);
    assert.equal(pending.rows.length, 1);
    assert.equal(pending.rows[0].dispatched_at, null);

    await h.db.query(`UPDATE events SET next_attempt_at = now() WHERE type = 'product.restocked'`);
    await up.drain();
    const alert = await eventually(async () => h.resend.emails.find((e) => e.body.to[0] === 'bis@example.com'), 20_000, 'the alert');
    assert.match(alert.body.html, /Kettle/);
  });
});
