import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eraseCustomer, type JourneyControl } from '../../api/erasure';
import { unsubscribe } from '../../api/routes/unsubscribe';
import { suppress } from '../../api/routes/webhooks';
import { upsertCustomerProfile } from '../../ingest/projections';
import { countingMailer, marketingInput, startSendHarness, type SendHarness } from './harness';

/**
 * Whatever the customer's state — consent given or not, unsubscribed by link (and perhaps
 * opting in again afterwards, or a stale opt-in arriving late), suppressed, sunset as
 * unengaged, erased — a marketing email reaches the provider only when every rule allows it.
 * States are built through the real code paths (profile projection, unsubscribe link,
 * suppression, erasure) and the real sendMessage runs against a real database.
 */
const noJourneys: JourneyControl = {
  workflow: { list: async function* () {} as never, getHandle: (() => assert.fail('no journeys to end')) as never },
};

const rarely = () => fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

let h: SendHarness;
before(async () => {
  h = await startSendHarness();
});
after(async () => {
  await h?.close();
});

test('no combination of consent, unsubscribe, suppression, unengaged and erased state lets a marketing email through', { timeout: 60_000 }, async () => {
  const mailer = countingMailer();
  const activities = h.activitiesWith({ mailer });
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        consent: fc.boolean(),
        unsubscribed: fc.boolean(),
        reOptIn: fc.constantFrom('none', 'after-unsubscribe', 'stale'),
        // Blocking states are weighted down so the rarer "everything allows" paths get visited.
        suppressed: fc.oneof(
          { weight: 3, arbitrary: fc.constant('no' as const) },
          { weight: 1, arbitrary: fc.constantFrom('hard_bounce' as const, 'complaint' as const, 'manual' as const) },
        ),
        unengaged: rarely(),
        erased: rarely(),
        category: fc.constantFrom('marketing', 'transactional'),
      }),
      async (s) => {
        const id = `prop-${++n}`;
        const email = `${id}@example.com`;
        h.setNow('2026-01-15T12:00:00Z');
        await upsertCustomerProfile(h.db.pool, id, { email, marketingConsent: s.consent, timezone: 'UTC' }, { source: 'prop', at: '2026-01-01T00:00:00Z' });
        if (s.unsubscribed) await unsubscribe(h.db.pool, id, 'prop', new Date('2026-01-05T00:00:00Z'));
        if (s.reOptIn !== 'none') {
          const at = s.reOptIn === 'stale' ? '2026-01-03T00:00:00Z' : '2026-01-07T00:00:00Z';
          await upsertCustomerProfile(h.db.pool, id, { marketingConsent: true }, { source: 'prop:re-opt-in', at });
        }
        if (s.suppressed !== 'no') await suppress(h.db.pool, [email], s.suppressed, 'prop');
        if (s.unengaged) await h.db.pool.query('UPDATE customers SET unengaged_at = now() WHERE id = $1', [id]);
        if (s.erased) await eraseCustomer({ db: h.db.pool, secret: h.config.pseudonymSecret, temporal: noJourneys }, id, new Date('2026-01-10T00:00:00Z'));

        const before = mailer.calls.length;
        const input =
          s.category === 'marketing'
            ? marketingInput({ customerId: id, idempotencyKey: `prop/${id}` })
            : {
                ...marketingInput({ customerId: id, idempotencyKey: `prop/${id}`, journey: 'order', template: 'order-confirmation', coupon: undefined }),
                category: 'transactional' as const,
                data: { orderId: id, placedAt: '2026-01-15T10:00:00Z', items: [], total: 1, currency: 'EUR' },
              };
        const outcome = await activities.sendMessage(input);

        // After our unsubscribe only a *change* of the shop's value to true (it said false before) re-subscribes.
        const subscribed = s.unsubscribed ? s.reOptIn === 'after-unsubscribe' && !s.consent : s.consent || s.reOptIn !== 'none';
        const deliverable = s.suppressed === 'no' && !s.erased;
        const allowed = s.category === 'marketing' ? deliverable && subscribed && !s.unengaged : deliverable;
        assert.equal(outcome.status, allowed ? 'sent' : 'skipped', `${JSON.stringify(s)} → ${JSON.stringify(outcome)}`);
        assert.equal(mailer.calls.length - before, allowed ? 1 : 0, 'provider calls');
      },
    ),
    { numRuns: 300 },
  );
});
