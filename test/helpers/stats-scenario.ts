import assert from 'node:assert/strict';
import { storeEvents } from '../../ingest/store';
import type { SendOutcome } from '../../activities/types';
import { transactionalInput, type SendHarness } from '../guardrails/harness';

/**
 * A small shop's last three days (before today, UTC), seeded through the real send path (guardrails, ledger,
 * coupons) and the real order projection, for tests of what the stats and the dashboard show:
 * - welcome: 10 welcome emails over three days (2 without consent → skipped `no_consent`),
 *   3 reminders a day later (c-1 therefore reaches both steps); c-1 orders with its code (EUR),
 *   c-2 orders without one (EUR, last touch), c-5 in USD;
 * - abandoned cart: reminders for c-4 (same hour as its welcome email → skipped
 *   `frequency_cap`), c-11 and c-12; c-11 orders (EUR);
 * - order: c-1's confirmation (transactional).
 * Delivered, opened and clicked are set on a share of what was sent. The message log's
 * created_at/sent_at are moved to the scenario's clock (the send path stamps them with now()).
 */
export const SCENARIO_DAYS = 3;

export function scenarioDay(offset: number, hour = 10): Date {
  const d = new Date();
  d.setUTCHours(hour, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - SCENARIO_DAYS + offset);
  return d;
}

export async function seedStatsScenario(h: SendHarness): Promise<void> {
  const send = async (
    customerId: string,
    journey: string,
    step: string,
    at: Date,
    options: { orderId?: string } = {},
  ): Promise<SendOutcome> => {
    h.setNow(at);
    const idempotencyKey = `${journey}/${customerId}/${step}`;
    const outcome = await h.activities.sendMessage(
      options.orderId
        ? { ...transactionalInput(customerId, options.orderId), idempotencyKey, workflowId: `${journey}/${customerId}`, journey, step }
        : {
            idempotencyKey,
            workflowId: `${journey}/${customerId}`,
            journey,
            step,
            customerId,
            // every marketing message of the scenario carries its own code (the welcome template shows one)
            template: 'welcome',
            data: {},
            category: 'marketing',
            onCap: 'skip',
            coupon: { key: idempotencyKey, percentOff: 10, validFor: '7 days' },
          },
    );
    await h.db.pool.query(
      `UPDATE messages SET created_at = $2, sent_at = CASE WHEN sent_at IS NULL THEN NULL ELSE $2::timestamptz END WHERE idempotency_key = $1`,
      [idempotencyKey, at],
    );
    return outcome;
  };
  const engage = (customerId: string, step: string, what: { opened?: boolean; clicked?: boolean }) =>
    h.db.pool.query(
      `UPDATE messages SET delivered_at = sent_at + interval '1 minute',
              opened_at = CASE WHEN $3 THEN sent_at + interval '1 hour' END,
              clicked_at = CASE WHEN $4 THEN sent_at + interval '2 hours' END
        WHERE customer_id = $1 AND step = $2 AND status = 'sent'`,
      [customerId, step, what.opened ?? false, what.clicked ?? false],
    );

  for (let i = 1; i <= 12; i++) await h.customer(`c-${i}`, { marketingConsent: i !== 9 && i !== 10 });
  // welcome emails: c-1..c-4 on day 0, c-5..c-8 on day 1, c-9 and c-10 (no consent) on day 2
  for (let i = 1; i <= 10; i++) {
    const day = i <= 4 ? 0 : i <= 8 ? 1 : 2;
    const outcome = await send(`c-${i}`, 'welcome', 'welcome-email', scenarioDay(day, 9 + i));
    assert.equal(outcome.status, i >= 9 ? 'skipped' : 'sent', `welcome email of c-${i}`);
  }
  assert.equal((await send('c-4', 'abandoned-cart', 'first-reminder', scenarioDay(0, 14))).status, 'skipped', 'capped');
  for (const [i, day] of [[11, 0], [12, 1]] as const) assert.equal((await send(`c-${i}`, 'abandoned-cart', 'first-reminder', scenarioDay(day, 15))).status, 'sent');
  for (const i of [1, 2, 3]) assert.equal((await send(`c-${i}`, 'welcome', 'reminder', scenarioDay(1, 8 + i))).status, 'sent', `reminder of c-${i}`);
  assert.equal((await send('c-1', 'order', 'confirmation', scenarioDay(2, 12), { orderId: 'o-1' })).status, 'sent');

  for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) await engage(`c-${i}`, 'welcome-email', { opened: i <= 6, clicked: i <= 3 });
  for (const i of [1, 2]) await engage(`c-${i}`, 'reminder', { opened: true, clicked: i === 1 });
  await engage('c-11', 'first-reminder', { opened: true, clicked: true });
  await engage('c-12', 'first-reminder', {});
  await engage('c-1', 'confirmation', {});

  const { rows } = await h.db.pool.query(`SELECT coupon_code FROM messages WHERE idempotency_key = 'welcome/c-1/welcome-email'`);
  const order = (customerId: string, orderId: string, at: Date, total: number, currency: string, couponCodes?: string[]) => ({
    id: `evt-${orderId}`,
    type: 'order.placed' as const,
    customerId,
    occurredAt: at.toISOString(),
    properties: { orderId, total, currency, items: [{ productId: 'p-tea', title: 'Tea', price: total, quantity: 1 }], ...(couponCodes ? { couponCodes } : {}) },
  });
  await storeEvents(h.db.pool, [
    // with its welcome code, after the reminder: the code wins over the later last touch
    order('c-1', 'o-1', scenarioDay(2, 11), 40, 'EUR', [rows[0].coupon_code]),
    order('c-2', 'o-2', scenarioDay(1, 18), 25.5, 'EUR'),
    order('c-5', 'o-5', scenarioDay(1, 20), 60, 'USD'),
    order('c-11', 'o-11', scenarioDay(0, 18), 80, 'EUR'),
  ]);
  h.setNow(new Date());
}
