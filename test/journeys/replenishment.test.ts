import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { defaultJourneysConfig } from '../../config/journeys';
import { changeReplenishmentUpdate, journeyEventSignal, replenishmentStateQuery, type ReplenishmentChange } from '../../workflows/messages';
import { replenishment } from '../../workflows/replenishment';
import type { ReplenishableProduct } from '../../activities/replenishment';
import type { Activities } from '../../activities';
import type { ShopEvent } from '../../ingest/event-schemas';
import { DAY, HOUR, fakeSend, startTimeSkipping, withWorker } from '../helpers/time-skipping';

const beans: ReplenishableProduct = {
  productId: 'beans',
  title: 'House blend, 1 kg',
  url: 'https://shop.example.com/p/beans',
  replenishDays: 30,
};

/**
 * The product lookup and the link signer over a fixed catalogue; a picked date is 10:00 UTC
 * that day, and dates from 2100 on are out of range.
 */
function fakeReplenishment(
  products: Record<string, ReplenishableProduct | null>,
): Pick<Activities, 'findReplenishableProduct' | 'replenishmentLinks' | 'planReschedule'> {
  return {
    planReschedule: async ({ date }) => (date >= '2100-01-01' ? { rejected: 'pick a date within a year' } : { remindAt: `${date}T10:00:00.000Z` }),
    findReplenishableProduct: async (productId) => products[productId] ?? null,
    replenishmentLinks: async ({ customerId, productId, orderId }) => ({
      snoozeUrl: `https://shop.example.com/remind/${customerId}.${productId}.${orderId}?choice=snooze`,
      rescheduleUrl: `https://shop.example.com/remind/${customerId}.${productId}.${orderId}?choice=reschedule`,
    }),
  };
}

const ordered = (customerId: string, orderId: string, placedAt: number, items: { productId: string; quantity: number }[]): ShopEvent => ({
  id: `evt-${orderId}`,
  type: 'order.placed',
  customerId,
  occurredAt: new Date(placedAt).toISOString(),
  properties: {
    orderId,
    total: 40,
    currency: 'EUR',
    items: items.map((i) => ({ ...i, title: i.productId, price: 20 })),
  },
});

const config = defaultJourneysConfig.replenishment;

describe('replenishment journey', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkipping();
  });
  after(async () => {
    await env?.teardown();
  });

  async function start(customerId: string, taskQueue: string, event: ShopEvent, productId = 'beans') {
    return env.client.workflow.signalWithStart(replenishment, {
      workflowId: `replenishment/${customerId}/${productId}`,
      taskQueue,
      args: [{ customerId, productId, config }],
      signal: journeyEventSignal,
      signalArgs: [event],
    });
  }

  test('reminds 2 days before the supply (replenishDays × quantity) runs out, then ends when nothing happens', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-1', taskQueue, ordered('c-1', 'o-1', t0, [{ productId: 'beans', quantity: 2 }, { productId: 'mug', quantity: 1 }]));
      await handle.result();
      assert.equal(fake.sent.length, 1);
      const [reminder] = fake.sent;
      const expected = t0 + 60 * DAY - 2 * DAY;
      assert.ok(Math.abs(reminder.at - expected) < HOUR, `reminder on day ${(reminder.at - t0) / DAY}`);
      assert.equal(reminder.input.template, 'replenishment');
      assert.equal(reminder.input.idempotencyKey, 'replenishment/c-1/beans/replenishment-reminder/o-1/1');
      assert.equal(reminder.input.promotes, true, 'never remind of a sold-out product');
      assert.deepEqual(reminder.input.data.items, [{ productId: 'beans', title: beans.title, url: beans.url }]);
      assert.equal(reminder.input.data.runsOutAt, new Date(t0 + 60 * DAY).toISOString());
      assert.match(String(reminder.input.data.snoozeUrl), /c-1\.beans\.o-1\?choice=snooze$/);
      assert.equal(reminder.input.data.snoozeBy, '7 days');
      const ended = await env.currentTimeMs();
      assert.ok(ended - reminder.at >= 30 * DAY, 'the links work for 30 days, then the journey ends');
    });
  });

  test('a snooze from the email moves the next reminder 7 days on', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-snooze', taskQueue, ordered('c-snooze', 'o-1', t0, [{ productId: 'beans', quantity: 1 }]));
      await env.sleep(29 * DAY);
      assert.equal(fake.sent.length, 1, 'reminded on day 28');
      const clicked = await env.currentTimeMs();
      const { remindAt } = await handle.executeUpdate(changeReplenishmentUpdate, { args: [{ orderId: 'o-1', kind: 'snooze' }] });
      assert.ok(Math.abs(Date.parse(remindAt) - (clicked + 7 * DAY)) < HOUR, 'the answer names the new time');
      await env.sleep(6 * DAY);
      assert.equal(fake.sent.length, 1, 'not before the 7 days are up');
      await env.sleep(2 * DAY);
      assert.equal(fake.sent.length, 2);
      assert.ok(Math.abs(fake.sent[1].at - (clicked + 7 * DAY)) < HOUR);
      assert.equal(fake.sent[1].input.idempotencyKey, 'replenishment/c-snooze/beans/replenishment-reminder/o-1/2');
      await handle.terminate('test done');
    });
  });

  test('a date picked on the page (reschedule) moves the next reminder to it', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-date', taskQueue, ordered('c-date', 'o-1', t0, [{ productId: 'beans', quantity: 1 }]));
      await env.sleep(29 * DAY);
      const date = new Date((await env.currentTimeMs()) + 20 * DAY).toISOString().slice(0, 10);
      const picked = Date.parse(`${date}T10:00:00.000Z`);
      const answer = await handle.executeUpdate(changeReplenishmentUpdate, { args: [{ orderId: 'o-1', kind: 'reschedule', date }] });
      assert.equal(answer.remindAt, new Date(picked).toISOString());
      await env.sleep(25 * DAY);
      assert.equal(fake.sent.length, 2);
      assert.ok(Math.abs(fake.sent[1].at - picked) < HOUR);
      const state = await handle.query(replenishmentStateQuery);
      assert.equal(state.data.reminders, 2);
      await handle.terminate('test done');
    });
  });

  test('a date out of range or not a date is refused with the reason, and the reminder stays where it was', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-bad-date', taskQueue, ordered('c-bad-date', 'o-1', t0, [{ productId: 'beans', quantity: 1 }]));
      await env.sleep(1 * DAY);
      const before = (await handle.query(replenishmentStateQuery)).data.nextReminderAt;
      const change = (date: string): ReplenishmentChange => ({ orderId: 'o-1', kind: 'reschedule', date });
      const tooFar = await rejected(handle.executeUpdate(changeReplenishmentUpdate, { args: [change('2100-01-01')] }), 'invalid_date');
      assert.match(tooFar.message, /within a year/);
      await rejected(handle.executeUpdate(changeReplenishmentUpdate, { args: [change('next tuesday')] }), 'invalid_date');
      assert.equal((await handle.query(replenishmentStateQuery)).data.nextReminderAt, before);
      await env.sleep(28 * DAY);
      assert.equal(fake.sent.length, 1, 'reminded on day 28 as planned');
      await handle.terminate('test done');
    });
  });

  test('a link from an earlier order moves nothing', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-stale', taskQueue, ordered('c-stale', 'o-2', t0, [{ productId: 'beans', quantity: 1 }]));
      await env.sleep(29 * DAY);
      await rejected(handle.executeUpdate(changeReplenishmentUpdate, { args: [{ orderId: 'o-1', kind: 'snooze' }] }), 'stale_link');
      await handle.result();
      assert.equal(fake.sent.length, 1, 'no second reminder');
    });
  });

  test('a new order of the product restarts the cycle from it (continue-as-new); the old reminder never goes out', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-again', taskQueue, ordered('c-again', 'o-1', t0, [{ productId: 'beans', quantity: 1 }]));
      const firstRun = (await handle.describe()).runId;
      await env.sleep(20 * DAY);
      const t1 = await env.currentTimeMs();
      await handle.signal(journeyEventSignal, ordered('c-again', 'o-2', t1, [{ productId: 'beans', quantity: 3 }]));
      await env.sleep(12 * DAY);
      assert.equal(fake.sent.length, 0, 'the first cycle (day 28) was replaced');
      const current = env.client.workflow.getHandle('replenishment/c-again/beans');
      assert.notEqual((await current.describe()).runId, firstRun);
      const state = await current.query(replenishmentStateQuery);
      assert.equal(state.data.orderId, 'o-2');
      assert.equal(state.data.runsOutAt, new Date(t1 + 90 * DAY).toISOString());
      await current.result();
      assert.equal(fake.sent.length, 1);
      assert.ok(Math.abs(fake.sent[0].at - (t1 + 88 * DAY)) < HOUR);
      assert.equal(fake.sent[0].input.idempotencyKey, 'replenishment/c-again/beans/replenishment-reminder/o-2/1');
    });
  });

  test('a new order during the follow-up restarts the cycle; the old links stop working', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-reorders', taskQueue, ordered('c-reorders', 'o-1', t0, [{ productId: 'beans', quantity: 1 }]));
      await env.sleep(29 * DAY);
      const t1 = await env.currentTimeMs();
      await handle.signal(journeyEventSignal, ordered('c-reorders', 'o-2', t1, [{ productId: 'beans', quantity: 1 }]));
      await env.sleep(1 * DAY);
      const current = env.client.workflow.getHandle('replenishment/c-reorders/beans');
      await rejected(current.executeUpdate(changeReplenishmentUpdate, { args: [{ orderId: 'o-1', kind: 'snooze' }] }), 'stale_link');
      await current.result();
      assert.deepEqual(
        fake.sent.map((s) => s.input.idempotencyKey.split('/').slice(-2).join('/')),
        ['o-1/1', 'o-2/1'],
      );
      assert.ok(Math.abs(fake.sent[1].at - (t1 + 28 * DAY)) < HOUR);
    });
  });

  test('a product without replenishDays ends the journey at once', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-mug', taskQueue, ordered('c-mug', 'o-1', t0, [{ productId: 'mug', quantity: 1 }]), 'mug');
      await handle.result();
      assert.equal(fake.sent.length, 0);
      const run = await handle.describe();
      assert.ok(run.closeTime!.getTime() - run.startTime.getTime() < HOUR, 'ended at once');
      assert.match((await handle.query(replenishmentStateQuery)).details, /no replenishDays/);
    });
  });

  test('a short supply is never reminded of before half of it is used', async () => {
    const fake = fakeSend(env);
    const drops = { ...beans, productId: 'drops', replenishDays: 2 };
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ drops }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-short', taskQueue, ordered('c-short', 'o-1', t0, [{ productId: 'drops', quantity: 1 }]), 'drops');
      await handle.result();
      assert.ok(Math.abs(fake.sent[0].at - (t0 + 1 * DAY)) < HOUR, `day 1 of a 2-day supply, not at checkout: ${(fake.sent[0].at - t0) / HOUR} h`);
    });
  });
  test('a refund of the product ends the journey before the reminder; a refund of another product does not', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans, tea: { ...beans, productId: 'tea', title: 'Tea' } }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const order = ordered('c-refund', 'o-r1', t0, [{ productId: 'beans', quantity: 1 }, { productId: 'tea', quantity: 1 }]);
      const beansJourney = await start('c-refund', taskQueue, order, 'beans');
      const teaJourney = await start('c-refund', taskQueue, order, 'tea');
      await env.sleep(5 * DAY);
      const refund: ShopEvent = {
        id: 'evt-refund-o-r1',
        type: 'order.refunded',
        customerId: 'c-refund',
        occurredAt: new Date(t0 + 5 * DAY).toISOString(),
        properties: { orderId: 'o-r1', amount: 20, currency: 'EUR', items: [{ productId: 'beans', quantity: 1 }] },
      };
      // Dispatch fans the refund out to the journeys of the products it names; tea's hears of it too here.
      await beansJourney.signal(journeyEventSignal, refund);
      await teaJourney.signal(journeyEventSignal, refund);
      await beansJourney.result();
      assert.equal((await beansJourney.query(replenishmentStateQuery)).step, 'done');
      // The server skips time while we wait for the beans journey: tea's reminder may already be out.
      assert.equal(fake.sent.filter((s) => s.input.idempotencyKey.includes('/beans/')).length, 0, 'no reminder for the refunded beans');
      await teaJourney.result();
      assert.deepEqual(fake.sent.map((s) => s.input.idempotencyKey), ['replenishment/c-refund/tea/replenishment-reminder/o-r1/1']);
    });
  });

  test('a cancellation of the whole order ends the journey; one of an earlier order changes nothing', async () => {
    const fake = fakeSend(env);
    await withWorker(env, { ...fake.activities, ...fakeReplenishment({ beans }) }, async (taskQueue) => {
      const t0 = await env.currentTimeMs();
      const handle = await start('c-cancel', taskQueue, ordered('c-cancel', 'o-c2', t0, [{ productId: 'beans', quantity: 1 }]));
      const cancelled = (orderId: string): ShopEvent => ({
        id: `evt-cancel-${orderId}`,
        type: 'order.cancelled',
        customerId: 'c-cancel',
        occurredAt: new Date(t0).toISOString(),
        properties: { orderId },
      });
      await env.sleep(DAY);
      await handle.signal(journeyEventSignal, cancelled('o-earlier'));
      await env.sleep(DAY);
      assert.equal((await handle.query(replenishmentStateQuery)).step, 'waiting-to-remind');
      await handle.signal(journeyEventSignal, cancelled('o-c2'));
      await handle.result();
      assert.deepEqual(fake.sent, []);
    });
  });
});

/** The update was refused with this reason; returns the failure for its message. */
async function rejected(update: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await update.then(
    () => assert.fail(`expected the update to be refused (${type})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
  assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
  assert.equal(err.cause.type, type);
  return err.cause;
}
