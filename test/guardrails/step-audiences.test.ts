import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JourneysConfigSchema, checkStepAudiences } from '../../config/journeys';
import { checkAudiences } from '../../ingest/routes';
import { startSendHarness, type SendHarness } from './harness';

/** A step's audience, decided by the real send path at send time from the stored attributes. */
describe('step audiences at send time', () => {
  let h: SendHarness;
  before(async () => {
    h = await startSendHarness({}, { stepAudiences: { 'abandoned-cart': { 'second-reminder': { tier: ['gold', 'platinum'] } } } });
  });
  after(async () => {
    await h?.close();
  });

  const reminder = (customerId: string, step: string, n = 1) =>
    h.send({
      customerId,
      idempotencyKey: `abandoned-cart/${customerId}/${step}/${n}`,
      journey: 'abandoned-cart',
      step,
      template: 'abandoned-cart',
      data: { items: [], cartUrl: 'https://shop.example.com/cart' },
      coupon: undefined,
    });

  test('the step goes to customers inside its audience; the others are skipped with the reason, logged', async () => {
    h.setNow('2026-01-15T12:00:00Z');
    await h.customer('sa-gold', { attributes: { tier: 'gold' } });
    await h.customer('sa-silver', { attributes: { tier: 'silver' } });
    await h.customer('sa-none');
    assert.equal((await reminder('sa-gold', 'second-reminder')).status, 'sent');
    assert.deepEqual(await reminder('sa-silver', 'second-reminder'), { status: 'skipped', reason: 'outside_audience' });
    assert.deepEqual(await reminder('sa-none', 'second-reminder'), { status: 'skipped', reason: 'outside_audience' }, 'no attribute: outside');
    const logged = await h.db.pool.query(`SELECT status, skip_reason FROM messages WHERE customer_id = 'sa-silver'`);
    assert.deepEqual(logged.rows, [{ status: 'skipped', skip_reason: 'outside_audience' }]);
  });

  test('other steps of the journey are not affected', async () => {
    h.setNow('2026-01-16T12:00:00Z');
    await h.customer('sa-other', { attributes: { tier: 'silver' } });
    assert.equal((await reminder('sa-other', 'first-reminder')).status, 'sent');
  });

  test('it reads the attributes as they are when the step is sent, not when the journey started', async () => {
    h.setNow('2026-01-17T12:00:00Z');
    await h.customer('sa-upgraded', { attributes: { tier: 'silver' } });
    assert.deepEqual(await reminder('sa-upgraded', 'second-reminder', 1), { status: 'skipped', reason: 'outside_audience' });
    await h.customer('sa-upgraded', { attributes: { tier: 'platinum' } }, '2026-01-17T12:00:01Z');
    h.setNow('2026-01-18T12:00:00Z');
    assert.equal((await reminder('sa-upgraded', 'second-reminder', 2)).status, 'sent');
  });
});

describe('step audiences in the configuration', () => {
  test('a step or journey that does not exist, or a transactional journey, stops the start with a message', () => {
    const config = (stepAudiences: unknown) => JourneysConfigSchema.parse({ stepAudiences });
    assert.throws(() => checkStepAudiences(config({ 'abandoned-cart': { 'secnd-reminder': { tier: ['gold'] } } })), /abandoned-cart has no step secnd-reminder \(steps: first-reminder, second-reminder, third-reminder\)/);
    assert.throws(() => checkStepAudiences(config({ 'win-bak': { 'win-back': { tier: ['gold'] } } })), /no journey named win-bak/);
    assert.throws(() => checkAudiences(config({ 'order-notice': { 'refund-notice': { tier: ['gold'] } } })), /order-notice is transactional mail/);
    assert.doesNotThrow(() => checkAudiences(config({ sunset: { 'sunset-check': { newsletter: [true] } } })));
    assert.throws(() => config({ 'abandoned-cart': { 'second-reminder': { tier: [] } } }), /too_small|at least/i, 'an audience lists at least one value');
  });
});
