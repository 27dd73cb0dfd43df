import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unsubscribe, resubscribe } from '../../api/routes/unsubscribe';
import { startSendHarness, type SendHarness } from './harness';

/**
 * Profile fields and consent apply last-writer-wins by occurredAt; our own unsubscribe link is
 * not undone by a shop sync repeating its old consent; an unsubscribe covers the address.
 */
describe('consent and profile order', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness();
  });
  after(async () => {
    await h?.close();
  });

  const row = async (id: string) =>
    (
      await h.db.pool.query('SELECT email, first_name, marketing_consent, unsubscribed_at FROM customers WHERE id = $1', [id])
    ).rows[0];

  test('a profile sync repeating consent true after a link unsubscribe does not re-subscribe', async () => {
    await h.customer('co-sync', { marketingConsent: true }, '2026-01-10T09:00:00Z');
    await unsubscribe(h.db.pool, 'co-sync', 'unsubscribe-link', new Date('2026-01-12T09:00:00Z'));
    // The shop's nightly sync still carries its own stored value, true.
    await h.customer('co-sync', { marketingConsent: true, firstName: 'Ada' }, '2026-01-13T02:00:00Z');
    const r = await row('co-sync');
    assert.equal(r.marketing_consent, false);
    assert.ok(r.unsubscribed_at, 'still unsubscribed');
    assert.equal(r.first_name, 'Ada', 'the other fields of the sync apply');
    h.setNow('2026-01-14T12:00:00Z');
    assert.deepEqual(await h.send({ customerId: 'co-sync', idempotencyKey: 'co/sync/1' }), { status: 'skipped', reason: 'unsubscribed' });
  });

  test("a change of the shop's value to true after the unsubscribe re-subscribes", async () => {
    await h.customer('co-change', { marketingConsent: true }, '2026-01-10T09:00:00Z');
    await unsubscribe(h.db.pool, 'co-change', 'unsubscribe-link', new Date('2026-01-12T09:00:00Z'));
    await h.customer('co-change', { marketingConsent: false }, '2026-01-12T10:00:00Z'); // the shop follows our record
    await h.customer('co-change', { marketingConsent: true }, '2026-01-20T10:00:00Z'); // the customer opts in again at the shop
    const r = await row('co-change');
    assert.equal(r.marketing_consent, true);
    assert.equal(r.unsubscribed_at, null);
  });

  test("a change to true that occurred before the unsubscribe, arriving after it, does not re-subscribe", async () => {
    await h.customer('co-late-change', { marketingConsent: false }, '2026-01-10T09:00:00Z');
    await unsubscribe(h.db.pool, 'co-late-change', 'unsubscribe-link', new Date('2026-01-12T09:00:00Z'));
    await h.customer('co-late-change', { marketingConsent: true }, '2026-01-11T09:00:00Z');
    assert.equal((await row('co-late-change')).marketing_consent, false);
  });

  test('an older consent true arriving after a newer false keeps consent off', async () => {
    await h.customer('co-older', { marketingConsent: true }, '2026-01-10T09:00:00Z');
    await h.customer('co-older', { marketingConsent: false }, '2026-01-12T09:00:00Z');
    await h.customer('co-older', { marketingConsent: true }, '2026-01-11T09:00:00Z');
    assert.equal((await row('co-older')).marketing_consent, false);
  });

  test('a late, older event does not revert the email address or the name', async () => {
    await h.customer('co-email', { email: 'old@example.com', firstName: 'Old' }, '2026-01-10T09:00:00Z');
    await h.customer('co-email', { email: 'new@example.com', firstName: 'New' }, '2026-01-12T09:00:00Z');
    await h.customer('co-email', { email: 'old@example.com', firstName: 'Old' }, '2026-01-11T09:00:00Z');
    const r = await row('co-email');
    assert.equal(r.email, 'new@example.com');
    assert.equal(r.first_name, 'New');
  });

  test('fields are ordered one by one: an older event still sets a field no newer one set', async () => {
    await h.customer('co-fields', { email: 'f@example.com' }, '2026-01-12T09:00:00Z');
    await h.customer('co-fields', { email: 'f-old@example.com', firstName: 'Fay' }, '2026-01-11T09:00:00Z');
    const r = await row('co-fields');
    assert.equal(r.email, 'f@example.com');
    assert.equal(r.first_name, 'Fay');
  });

  test('an unsubscribe covers the address: an account id sharing the guest id’s address gets no marketing', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('co-guest', { email: 'shared@example.com' }, '2026-01-10T09:00:00Z');
    await h.customer('co-account', { email: 'Shared@Example.com' }, '2026-01-10T09:05:00Z');
    await unsubscribe(h.db.pool, 'co-guest', 'unsubscribe-link', new Date('2026-01-12T09:00:00Z'));
    assert.deepEqual(await h.send({ customerId: 'co-account', idempotencyKey: 'co/account/1' }), {
      status: 'skipped',
      reason: 'unsubscribed',
    });
    // A third id created later with the same address and the shop's routine consent: still no marketing.
    await h.customer('co-later', { email: 'shared@example.com', marketingConsent: true }, '2026-01-11T09:00:00Z');
    assert.deepEqual(await h.send({ customerId: 'co-later', idempotencyKey: 'co/later/1' }), { status: 'skipped', reason: 'unsubscribed' });
  });

  test('our re-subscribe link re-subscribes the address', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('co-re-guest', { email: 'again@example.com' }, '2026-01-10T09:00:00Z');
    await h.customer('co-re-account', { email: 'again@example.com' }, '2026-01-10T09:05:00Z');
    await unsubscribe(h.db.pool, 'co-re-guest', 'unsubscribe-link', new Date('2026-01-12T09:00:00Z'));
    await resubscribe(h.db.pool, 'co-re-guest', 'resubscribe-link', new Date('2026-01-13T09:00:00Z'));
    assert.equal((await h.send({ customerId: 'co-re-account', idempotencyKey: 'co/re-account/1' })).status, 'sent');
  });
});
