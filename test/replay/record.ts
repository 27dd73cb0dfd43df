/**
 * Records a journey's event history for the replay test:
 *   npx tsx test/replay/record.ts welcome          one journey
 *   npx tsx test/replay/record.ts order vip        several
 *   npx tsx test/replay/record.ts all              every scenario below
 * Run it before changing a journey; commit the .binpb; then test/replay/replay.test.ts proves
 * the changed code still replays what running journeys already did (else: `patched()`).
 *
 * Each scenario drives one journey through a representative timeline on the time-skipping
 * server, against the fake shop of ./fake-shop.ts, and names the run to record. A recorded run
 * has ended: completed, or continued as new for journeys that live for years (its history is
 * then final; terminating a run instead would stall the time-skipping clock).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowContinuedAsNewError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { defaultJourneysConfig } from '../../config/journeys';
import type { EventProperties, ShopEvent } from '../../ingest/event-schemas';
import { CustomerIdKey, JourneyKey, journeyEventSignal } from '../../workflows/messages';
import type { HeldBack } from '../../workflows/kit';
import { TypedSearchAttributes } from '@temporalio/common';
import { order } from '../../workflows/order';
import { abandonedCart } from '../../workflows/abandoned-cart';
import { backInStock, backInStockRestock } from '../../workflows/back-in-stock';
import { backInStockRestockWorkflowId, backInStockWorkflowId, productRestockedSignal } from '../../workflows/messages';
import { postPurchase } from '../../workflows/post-purchase';
import { orderNotice } from '../../workflows/order-notice';
import { browseAbandonment } from '../../workflows/browse-abandonment';
import { winBack } from '../../workflows/win-back';
import { sunset } from '../../workflows/sunset';
import { sunsetSweep } from '../../workflows/sunset-sweep';
import { SUNSET_SWEEP_WORKFLOW_ID, sunsetWorkflowId } from '../../workflows/messages';
import { vip } from '../../workflows/vip';
import { birthday } from '../../workflows/birthday';
import { leadNurture } from '../../workflows/lead-nurture';
import { replenishment } from '../../workflows/replenishment';
import { replenishmentRequestSignal } from '../../workflows/messages';
import { DAY, HOUR, startTimeSkipping, withWorker } from '../helpers/time-skipping';
import { catalogue, openShop, type FakeShop, type OrderLine } from './fake-shop';

const MINUTE = 60_000;
const config = defaultJourneysConfig;

interface Scene {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  shop: FakeShop;
  /** the test server's clock, ms */
  now(): Promise<number>;
}
/** The run whose history to record. */
interface Recording {
  workflowId: string;
  runId?: string;
}
type Scenario = (scene: Scene) => Promise<Recording>;

const scenarios: Record<string, Scenario> = {
  /** welcome email, three quiet days, the reminder */
  async welcome({ env, taskQueue }) {
    const handle = await env.client.workflow.signalWithStart('welcome', {
      workflowId: 'welcome/replay-customer',
      ...asDispatched('welcome/replay-customer', 'replay-customer'),
      taskQueue,
      args: [{ customerId: 'replay-customer', config: config.welcome }],
      signal: journeyEventSignal,
      signalArgs: [
        {
          id: 'evt-replay-1',
          type: 'customer.created',
          customerId: 'replay-customer',
          occurredAt: '2026-01-01T00:00:00.000Z',
          properties: { email: 'replay@example.com', marketingConsent: true },
        },
      ],
    });
    await handle.result();
    return { workflowId: handle.workflowId };
  },

  /** welcome email, the reminder on day 3, an order by someone else, the last nudge with the bestseller on day 14 */
  async welcomeLastNudge({ env, taskQueue, shop, now }) {
    const handle = await env.client.workflow.signalWithStart('welcome', {
      workflowId: 'welcome/replay-nudged',
      ...asDispatched('welcome/replay-nudged', 'replay-nudged'),
      taskQueue,
      args: [{ customerId: 'replay-nudged', config: config.welcome }],
      signal: journeyEventSignal,
      signalArgs: [
        {
          id: 'evt-replay-nudged-1',
          type: 'customer.created',
          customerId: 'replay-nudged',
          occurredAt: '2026-01-01T00:00:00.000Z',
          properties: { email: 'nudged@example.com', marketingConsent: true },
        },
      ],
    });
    await env.sleep(5 * DAY);
    shop.place('someone-else', 'o-bestseller', await now(), [line('kyusu')]);
    await handle.result();
    return { workflowId: handle.workflowId };
  },

  /** confirmation; shipped on day 1 (re-posted once), a split second parcel, delivered on day 3 */
  async order({ env, taskQueue, shop, now }) {
    const placed = shop.place('c-order', 'o-1001', await now(), [line('sencha', 2), line('kyusu')]);
    const handle = await env.client.workflow.signalWithStart(order, {
      workflowId: 'order/o-1001',
      ...asDispatched('order/o-1001', 'c-order'),
      taskQueue,
      args: [{ customerId: 'c-order', orderId: 'o-1001', placedAt: placed.occurredAt, order: orderOf(placed), config: config.order }],
      signal: journeyEventSignal,
      signalArgs: [placed],
    });
    await env.sleep(DAY);
    await handle.signal(journeyEventSignal, shipped('c-order', 'o-1001', 'JD0146', await now()));
    await handle.signal(journeyEventSignal, shipped('c-order', 'o-1001', 'JD0146', await now(), 'evt-shipped-again'));
    await env.sleep(HOUR);
    await handle.signal(journeyEventSignal, shipped('c-order', 'o-1001', 'JD0200', await now()));
    await env.sleep(2 * DAY);
    await handle.signal(journeyEventSignal, event('order.delivered', 'c-order', 'evt-delivered-o-1001', await now(), { orderId: 'o-1001' }));
    return runToEnd(env, handle.workflowId);
  },

  /** started by dispatch when quiet (two held updates, the newest 4 h ago): reminder at once, discount, cooldown */
  async abandonedCartHeld(scene) {
    const started = await scene.now();
    const cart = (id: string, at: number, items: OrderLine[]) => cartUpdated('c-cart-held', 'cart-h', id, at, items);
    const updates = [cart('evt-held-cart-1', started - 5 * HOUR, [line('sencha')]), cart('evt-held-cart-2', started - 4 * HOUR - MINUTE, [line('sencha'), line('kyusu')])];
    const handle = await startedWhenDue(scene, abandonedCart, 'abandoned-cart/c-cart-held', { customerId: 'c-cart-held', config: config.abandonedCart }, updates, started - 4 * HOUR - MINUTE);
    return runToEnd(scene.env, handle.workflowId, handle.signaledRunId);
  },

  /** a cart changed at hour 2; reminder, discount, 7-day cooldown with a new cart → next series (continue-as-new) */
  async abandonedCart({ env, taskQueue, now }) {
    const cart = async (id: string, items: OrderLine[]) => cartUpdated('c-cart', 'cart-1', id, await now(), items);
    const handle = await env.client.workflow.signalWithStart(abandonedCart, {
      workflowId: 'abandoned-cart/c-cart',
      ...asDispatched('abandoned-cart/c-cart', 'c-cart'),
      taskQueue,
      args: [{ customerId: 'c-cart', config: config.abandonedCart }],
      signal: journeyEventSignal,
      signalArgs: [await cart('evt-cart-1', [line('sencha')])],
    });
    await env.sleep(2 * HOUR);
    await handle.signal(journeyEventSignal, await cart('evt-cart-2', [line('sencha'), line('kyusu')]));
    await env.sleep(3 * DAY);
    await handle.signal(journeyEventSignal, await cart('evt-cart-3', [line('kyusu'), line('cups')]));
    return runToEnd(env, handle.workflowId, handle.signaledRunId);
  },

  /** sold out again before the first alert (back in the queue), alerted on the next restock */
  async backInStock(scene) {
    const { env, shop } = scene;
    shop.stock.set('kyusu', 0);
    const { handle, requestedAt } = await requestBackInStock(scene, 'c-waits', 'kyusu');
    shop.refusals.set(`${handle.workflowId}/alert/${requestedAt}/1`, 'out_of_stock');
    await env.sleep(10 * DAY);
    await restock(scene, 'kyusu', 1);
    await env.sleep(10 * MINUTE);
    shop.stock.set('kyusu', 0); // someone quicker bought the unit
    await env.sleep(5 * DAY);
    await restock(scene, 'kyusu', 3);
    return runToEnd(env, handle.workflowId);
  },

  /** one unit for four waiting customers and a request whose journey is gone: batches of 3, then nobody left */
  async backInStockRestock(scene) {
    const { env, shop } = scene;
    shop.stock.set('kyusu', 0);
    shop.waitlist.push({ customerId: 'c-gone', productId: 'kyusu', requestedAt: '2026-01-01T00:00:00.000Z', status: 'waiting' });
    for (const customerId of ['c-first', 'c-second', 'c-third', 'c-fourth']) {
      await requestBackInStock(scene, customerId, 'kyusu');
      await env.sleep(MINUTE);
    }
    await restock(scene, 'kyusu', 1);
    return runToEnd(env, backInStockRestockWorkflowId('kyusu'));
  },

  /** first order: thank-you after 3 h, delivered on day 2, review request and cross-sell */
  async postPurchase({ env, taskQueue, shop, now }) {
    const placed = shop.place('c-thanks', 'o-2001', await now(), [line('sencha', 2), line('kyusu')]);
    const handle = await env.client.workflow.signalWithStart(postPurchase, {
      workflowId: 'post-purchase/o-2001',
      ...asDispatched('post-purchase/o-2001', 'c-thanks'),
      taskQueue,
      args: [{ customerId: 'c-thanks', orderId: 'o-2001', order: orderOf(placed), config: config.postPurchase }],
      signal: journeyEventSignal,
      signalArgs: [placed],
    });
    await env.sleep(2 * DAY);
    await handle.signal(journeyEventSignal, event('order.delivered', 'c-thanks', 'evt-delivered-o-2001', await now(), { orderId: 'o-2001' }));
    return runToEnd(env, handle.workflowId);
  },

  /** two product views, the browse email 2 h after the latest, a view during the cooldown */
  async browseAbandonment({ env, taskQueue, now }) {
    const view = async (id: string, productId: string) => event('product.viewed', 'c-browse', id, await now(), { productId });
    const handle = await env.client.workflow.signalWithStart(browseAbandonment, {
      workflowId: 'browse-abandonment/c-browse',
      ...asDispatched('browse-abandonment/c-browse', 'c-browse'),
      taskQueue,
      args: [{ customerId: 'c-browse', config: config.browseAbandonment }],
      signal: journeyEventSignal,
      signalArgs: [await view('evt-view-1', 'kyusu')],
    });
    await env.sleep(30 * MINUTE);
    await handle.signal(journeyEventSignal, await view('evt-view-2', 'sencha'));
    await env.sleep(3 * HOUR);
    await handle.signal(journeyEventSignal, await view('evt-view-3', 'kyusu'));
    return runToEnd(env, handle.workflowId);
  },

  /** started by dispatch when quiet (held views, the newest 2 h ago): the email at once, the 7-day cooldown */
  async browseAbandonmentHeld(scene) {
    const started = await scene.now();
    const views = [
      event('product.viewed', 'c-browse-held', 'evt-held-view-1', started - 3 * HOUR, { productId: 'kyusu' }),
      event('product.viewed', 'c-browse-held', 'evt-held-view-2', started - 2 * HOUR - MINUTE, { productId: 'sencha' }),
    ];
    const input = { customerId: 'c-browse-held', config: config.browseAbandonment };
    const handle = await startedWhenDue(scene, browseAbandonment, 'browse-abandonment/c-browse-held', input, views, started - 2 * HOUR - MINUTE);
    return runToEnd(scene.env, handle.workflowId);
  },

  /** a lapse: the question at once, 14 quiet days, unengaged */
  async sunset({ env, taskQueue, now }) {
    const lapsedSince = new Date((await now()) - 130 * DAY).toISOString();
    const workflowId = sunsetWorkflowId('c-silent');
    const handle = await env.client.workflow.signalWithStart(sunset, {
      workflowId,
      ...asDispatched(workflowId, 'c-silent'),
      taskQueue,
      args: [{ customerId: 'c-silent', lapsedSince, config: config.sunset }],
      signal: journeyEventSignal,
      signalArgs: [
        {
          id: `customer.lapsed:c-silent:${lapsedSince}`,
          type: 'customer.lapsed',
          customerId: 'c-silent',
          occurredAt: new Date(await now()).toISOString(),
          properties: { lapsedSince },
        } as unknown as ShopEvent,
      ],
    });
    return runToEnd(env, handle.workflowId);
  },

  /** a pass over five lapsed customers in batches of two, continuing as new mid-pass */
  async sunsetSweep({ env, taskQueue, shop }) {
    shop.lapsed.push('c-a', 'c-b', 'c-c', 'c-d', 'c-e');
    const handle = await env.client.workflow.start(sunsetSweep, {
      workflowId: SUNSET_SWEEP_WORKFLOW_ID,
      taskQueue,
      args: [{ historyLimit: 20 }],
      typedSearchAttributes: new TypedSearchAttributes([{ key: JourneyKey, value: SUNSET_SWEEP_WORKFLOW_ID }]),
    });
    return runToEnd(env, handle.workflowId, handle.firstExecutionRunId);
  },

  /** a partial refund of an order: the refund notice at once */
  async orderNotice({ env, taskQueue, shop, now }) {
    const placed = shop.place('c-refund', 'o-3001', await now(), [line('sencha', 2), line('kyusu')]);
    const refund = event('order.refunded', 'c-refund', 'evt-refund-o-3001', await now(), {
      orderId: 'o-3001',
      amount: 12.5,
      currency: 'EUR',
      items: [{ productId: 'sencha', quantity: 1 }],
    });
    const workflowId = `order-notice/o-3001/${refund.id}`;
    const handle = await env.client.workflow.signalWithStart(orderNotice, {
      workflowId,
      ...asDispatched(workflowId, 'c-refund'),
      taskQueue,
      args: [
        {
          customerId: 'c-refund',
          orderId: 'o-3001',
          change: { eventId: refund.id, kind: 'refunded', items: [{ productId: 'sencha', quantity: 1 }], refund: { amount: 12.5, currency: 'EUR' } },
          config: config.orderNotice,
        },
      ],
      signal: journeyEventSignal,
      signalArgs: [refund],
    });
    void placed;
    return runToEnd(env, handle.workflowId);
  },

  /** a reorder on day 30; win-back on day 120, opened (clock restarts); second cycle to last chance and sunset */
  async winBack({ env, taskQueue, shop, now }) {
    const orderNow = async (orderId: string) => {
      const placed = shop.place('c-lapses', orderId, await now(), [line('sencha')]);
      return env.client.workflow.signalWithStart(winBack, {
        workflowId: 'win-back/c-lapses',
        ...asDispatched('win-back/c-lapses', 'c-lapses'),
        taskQueue,
        args: [{ customerId: 'c-lapses', config: config.winBack }],
        signal: journeyEventSignal,
        signalArgs: [placed],
      });
    };
    const handle = await orderNow('o-3001');
    await env.sleep(30 * DAY);
    await orderNow('o-3002');
    await env.sleep(95 * DAY);
    shop.engagement.push({ customerId: 'c-lapses', at: await now() });
    return runToEnd(env, handle.workflowId);
  },

  /** win-back on day 90, clicked on day 95 (the engagement event ends the wait at once); a second cycle runs to the sunset */
  async winBackClicked({ env, taskQueue, shop, now }) {
    const placed = shop.place('c-clicks', 'o-3101', await now(), [line('sencha')]);
    const handle = await env.client.workflow.signalWithStart(winBack, {
      workflowId: 'win-back/c-clicks',
      ...asDispatched('win-back/c-clicks', 'c-clicks'),
      taskQueue,
      args: [{ customerId: 'c-clicks', config: config.winBack }],
      signal: journeyEventSignal,
      signalArgs: [placed],
    });
    await env.sleep(95 * DAY);
    await handle.signal(journeyEventSignal, {
      id: 'email.clicked:1',
      type: 'email.clicked',
      customerId: 'c-clicks',
      occurredAt: new Date(await now()).toISOString(),
      properties: { messageId: 1, workflowId: 'win-back/c-clicks', journey: 'win-back', step: 'win-back' },
    });
    return runToEnd(env, handle.workflowId);
  },

  /** four orders below the bar; the 5th qualifies but the invitation is refused (no consent); the 6th is invited */
  async vip({ env, taskQueue, shop, now }) {
    shop.refusals.set('vip/c-loyal/vip-invitation', 'no_consent');
    for (let n = 1; n <= 6; n++) {
      const placed = shop.place('c-loyal', `o-40${n}`, await now(), [line('sencha', 3)]);
      await env.client.workflow.signalWithStart(vip, {
        workflowId: 'vip/c-loyal',
        ...asDispatched('vip/c-loyal', 'c-loyal'),
        taskQueue,
        args: [{ customerId: 'c-loyal', config: config.vip }],
        signal: journeyEventSignal,
        signalArgs: [placed],
      });
      await env.sleep(3 * DAY);
    }
    return runToEnd(env, 'vip/c-loyal');
  },

  /** a birthday 40 days out in Berlin; the zone moves to Tokyo on day 5; the greeting, then continue-as-new */
  async birthday({ env, taskQueue, shop, now }) {
    const birthdayOn = `1990-${new Date((await now()) + 40 * DAY).toISOString().slice(5, 10)}`;
    shop.profiles.set('c-cake', { birthday: birthdayOn, timezone: 'Europe/Berlin' });
    const created = event('customer.created', 'c-cake', 'evt-created-c-cake', await now(), {
      email: 'cake@example.com',
      birthday: birthdayOn,
      timezone: 'Europe/Berlin',
      marketingConsent: true,
    });
    const handle = await env.client.workflow.signalWithStart(birthday, {
      workflowId: 'birthday/c-cake',
      ...asDispatched('birthday/c-cake', 'c-cake'),
      taskQueue,
      args: [{ customerId: 'c-cake', config: { ...config.birthday, defaultTimezone: config.guardrails.defaultTimezone } }],
      signal: journeyEventSignal,
      signalArgs: [created],
    });
    await env.sleep(5 * DAY);
    shop.profiles.set('c-cake', { birthday: birthdayOn, timezone: 'Asia/Tokyo' });
    await handle.signal(journeyEventSignal, event('customer.updated', 'c-cake', 'evt-updated-c-cake', await now(), { timezone: 'Asia/Tokyo' }));
    return runToEnd(env, handle.workflowId, handle.signaledRunId);
  },

  /** a coffee form, a tea form on day 1 (topics merge), five pieces two days apart */
  async leadNurture({ env, taskQueue, now }) {
    const form = async (id: string, topics: string[]) => event('form.submitted', 'c-lead', id, await now(), { formId: 'newsletter', topics });
    const handle = await env.client.workflow.signalWithStart(leadNurture, {
      workflowId: 'lead-nurture/c-lead',
      ...asDispatched('lead-nurture/c-lead', 'c-lead'),
      taskQueue,
      args: [{ customerId: 'c-lead', config: config.leadNurture }],
      signal: journeyEventSignal,
      signalArgs: [await form('evt-form-1', ['coffee'])],
    });
    await env.sleep(DAY);
    await handle.signal(journeyEventSignal, await form('evt-form-2', ['tea']));
    return runToEnd(env, handle.workflowId);
  },

  /** 30 days of beans: reminder on day 28, snoozed from the email, reminded again, no reorder */
  async replenishment({ env, taskQueue, shop, now }) {
    const placed = shop.place('c-beans', 'o-5001', await now(), [line('beans'), line('cups')]);
    const handle = await env.client.workflow.signalWithStart(replenishment, {
      workflowId: 'replenishment/c-beans/beans',
      ...asDispatched('replenishment/c-beans/beans', 'c-beans'),
      taskQueue,
      args: [{ customerId: 'c-beans', productId: 'beans', config: config.replenishment }],
      signal: journeyEventSignal,
      signalArgs: [placed],
    });
    await env.sleep(29 * DAY);
    await handle.signal(replenishmentRequestSignal, { orderId: 'o-5001', kind: 'snooze' });
    return runToEnd(env, handle.workflowId);
  },

  // ── Runs that began with a continue-as-new, carrying the previous run's state ──

  /** a later run of back in stock (one alert attempt behind it): restocked on day 3, alerted */
  async backInStockContinued(scene) {
    const { env, shop, now } = scene;
    const customerId = 'c-again';
    const requestedAt = new Date((await now()) - 20 * DAY).toISOString();
    shop.waitlist.push({ customerId, productId: 'kyusu', requestedAt, status: 'waiting' });
    shop.stock.set('kyusu', 0);
    const workflowId = backInStockWorkflowId(customerId, 'kyusu');
    await continued(scene, backInStock, workflowId, customerId, {
      customerId,
      productId: 'kyusu',
      requestedAt,
      config: config.backInStock,
      carried: { kit: { seenEventIds: ['evt-request-c-again'] }, state: { expiresAt: (await now()) + 70 * DAY, attempts: 1 } },
    });
    await env.sleep(3 * DAY);
    await restock(scene, 'kyusu', 2);
    return runToEnd(env, workflowId);
  },

  /** a later run of the restock coordinator, two batches behind it: one unit for three subscribers whose journeys are gone */
  async backInStockRestockContinued(scene) {
    const { env, shop } = scene;
    shop.stock.set('cups', 1);
    for (const customerId of ['c-cups-1', 'c-cups-2', 'c-cups-3']) {
      shop.waitlist.push({ customerId, productId: 'cups', requestedAt: new Date((await scene.now()) - DAY).toISOString(), status: 'waiting' });
    }
    const workflowId = backInStockRestockWorkflowId('cups');
    await env.client.workflow.start(backInStockRestock, {
      workflowId,
      typedSearchAttributes: new TypedSearchAttributes([{ key: JourneyKey, value: 'back-in-stock-restock' }]),
      taskQueue: scene.taskQueue,
      args: [{ productId: 'cups', config: config.backInStock, carried: { kit: {}, state: { batches: 2 } } }],
    });
    return runToEnd(env, workflowId);
  },

  /** the year after a greeting (the first year's events seen): a re-sent update changes nothing, next greeting */
  async birthdayContinued(scene) {
    const { env, shop, now } = scene;
    const birthdayOn = `1990-${new Date((await now()) + 30 * DAY).toISOString().slice(5, 10)}`;
    shop.profiles.set('c-party', { birthday: birthdayOn, timezone: 'Europe/Berlin' });
    const year = new Date(await now()).getUTCFullYear();
    const handle = await continued(scene, birthday, 'birthday/c-party', 'c-party', {
      customerId: 'c-party',
      config: { ...config.birthday, defaultTimezone: config.guardrails.defaultTimezone },
      carried: { kit: { seenEventIds: ['evt-created-c-party', 'evt-updated-c-party'] }, state: { celebratedThrough: year - 1, greetedYears: [year - 1] } },
    });
    await env.sleep(DAY);
    await handle.signal(journeyEventSignal, event('customer.updated', 'c-party', 'evt-updated-c-party', await now(), { timezone: 'Europe/Berlin' }));
    return runToEnd(env, handle.workflowId, handle.firstExecutionRunId);
  },

  /** a lead three pieces in (a form seen twice): the fourth coffee piece, then the catalog has no more */
  async leadNurtureContinued(scene) {
    const { env, now } = scene;
    const handle = await continued(scene, leadNurture, 'lead-nurture/c-reader', 'c-reader', {
      customerId: 'c-reader',
      config: config.leadNurture,
      carried: {
        kit: { seenEventIds: ['evt-form-reader'] },
        state: { topics: ['coffee'], sentPieceIds: ['coffee-brewing-basics', 'coffee-origins', 'kit-grinder-guide'] },
      },
    });
    await handle.signal(journeyEventSignal, event('form.submitted', 'c-reader', 'evt-form-reader', await now(), { formId: 'newsletter', topics: ['tea'] }));
    return runToEnd(env, handle.workflowId);
  },

  /** the cycle of a reorder (its order seen): reminder on day 28, no reorder */
  async replenishmentContinued(scene) {
    const { env, shop, now } = scene;
    const placed = shop.place('c-refill', 'o-5101', await now(), [line('beans')]);
    const handle = await continued(scene, replenishment, 'replenishment/c-refill/beans', 'c-refill', {
      customerId: 'c-refill',
      productId: 'beans',
      config: config.replenishment,
      carried: { kit: { seenEventIds: ['evt-o-5001', placed.id] }, state: { cycle: { orderId: 'o-5101', placedAt: placed.occurredAt, quantity: 1 } } },
    });
    await handle.signal(journeyEventSignal, placed);
    return runToEnd(env, handle.workflowId);
  },

  /** a run continued mid-cycle (a snoozed reminder behind it): the second reminder, no reorder */
  async replenishmentResumed(scene) {
    const { env, shop, now } = scene;
    const placed = shop.place('c-snooze', 'o-5201', (await now()) - 29 * DAY, [line('beans')]);
    const handle = await continued(scene, replenishment, 'replenishment/c-snooze/beans', 'c-snooze', {
      customerId: 'c-snooze',
      productId: 'beans',
      config: config.replenishment,
      carried: {
        kit: { seenEventIds: [placed.id] },
        state: { cycle: { orderId: 'o-5201', placedAt: placed.occurredAt, quantity: 1 }, resume: { remindAt: (await now()) + 6 * DAY, sentReminders: 1 } },
      },
    });
    return runToEnd(env, handle.workflowId);
  },

  /** four orders counted, one refused invitation, an order not yet read: the invitation */
  async vipContinued(scene) {
    const { env, shop, now } = scene;
    for (let n = 1; n <= 5; n++) shop.place('c-regular', `o-41${n}`, await now(), [line('sencha', 3)]);
    const handle = await continued(scene, vip, 'vip/c-regular', 'c-regular', {
      customerId: 'c-regular',
      config: config.vip,
      carried: {
        kit: { seenEventIds: ['evt-o-411', 'evt-o-412', 'evt-o-413', 'evt-o-414', 'evt-o-415'] },
        state: { standing: { orderCount: 4, lifetimeRevenue: 150, attempts: 1 }, unchecked: true },
      },
    });
    return runToEnd(env, handle.workflowId);
  },

  /** started by dispatch when due (two held orders, the last 90 days ago): win-back at once, last chance, sunset */
  async winBackHeld(scene) {
    const started = await scene.now();
    const first = scene.shop.place('c-held-lapse', 'o-4101', started - 120 * DAY, [line('sencha')]);
    const last = scene.shop.place('c-held-lapse', 'o-4102', started - 90 * DAY - MINUTE, [line('kyusu')]);
    const input = { customerId: 'c-held-lapse', config: config.winBack };
    const handle = await startedWhenDue(scene, winBack, 'win-back/c-held-lapse', input, [first, last], Date.parse(last.occurredAt));
    return runToEnd(scene.env, handle.workflowId);
  },

  /** a later run whose clock started 60 days ago (its order seen): win-back on day 30, no engagement, sunset */
  async winBackContinued(scene) {
    const { env, shop, now } = scene;
    const orderedAt = (await now()) - 60 * DAY;
    shop.place('c-quiet', 'o-3101', orderedAt, [line('sencha')]);
    const handle = await continued(scene, winBack, 'win-back/c-quiet', 'c-quiet', {
      customerId: 'c-quiet',
      config: config.winBack,
      carried: {
        kit: { seenEventIds: ['evt-o-3101'] },
        state: { lastOrderAt: orderedAt, clockFrom: orderedAt, ordersSeen: 1, winBacksSent: 0, generation: 3 },
      },
    });
    return runToEnd(env, handle.workflowId);
  },
};

/**
 * Start a run the way continue-as-new starts the next one: the same workflow id, the dispatched
 * search attributes and an input carrying the previous run's state.
 */
async function continued<I>(scene: Scene, workflow: (input: I) => Promise<void>, workflowId: string, customerId: string, input: I) {
  return scene.env.client.workflow.start(workflow, {
    workflowId,
    ...asDispatched(workflowId, customerId),
    taskQueue: scene.taskQueue,
    args: [input],
  });
}

/**
 * Start a held journey the way dispatch does when its wait is over: the held events in its
 * input (`heldBack`), signalled with the newest of them.
 */
async function startedWhenDue<I extends { customerId: string }>(
  scene: Scene,
  workflow: (input: I & { heldBack: HeldBack }) => Promise<void>,
  workflowId: string,
  input: I,
  events: ShopEvent[],
  quietSince: number,
) {
  return scene.env.client.workflow.signalWithStart(workflow, {
    workflowId,
    ...asDispatched(workflowId, input.customerId),
    taskQueue: scene.taskQueue,
    args: [{ ...input, heldBack: { events, quietSince } }],
    signal: journeyEventSignal,
    signalArgs: [events[events.length - 1]],
  });
}

/** A cart.updated with these lines at their catalogue titles and prices. */
function cartUpdated(customerId: string, cartId: string, id: string, at: number, items: OrderLine[]): ShopEvent {
  return event('cart.updated', customerId, id, at, {
    cartId,
    cartUrl: `https://shop.example.com/cart/${customerId}`,
    items: items.map(({ productId, quantity }) => ({ productId, quantity, title: catalogue[productId].title, price: catalogue[productId].price })),
  });
}

/** What the relay does for back_in_stock.requested (the projection adds the waitlist row first). */
async function requestBackInStock({ env, taskQueue, shop, now }: Scene, customerId: string, productId: string) {
  const requestedAt = new Date(await now()).toISOString();
  shop.waitlist.push({ customerId, productId, requestedAt, status: 'waiting' });
  const handle = await env.client.workflow.signalWithStart(backInStock, {
    workflowId: backInStockWorkflowId(customerId, productId),
    ...asDispatched(backInStockWorkflowId(customerId, productId), customerId),
    taskQueue,
    args: [{ customerId, productId, requestedAt, config: config.backInStock }],
    signal: journeyEventSignal,
    signalArgs: [event('back_in_stock.requested', customerId, `evt-request-${customerId}`, Date.parse(requestedAt), { productId })],
  });
  return { handle, requestedAt };
}

/** What PUT /v1/products/:id does when stock goes from 0 to `stock`. */
async function restock({ env, taskQueue, shop }: Scene, productId: string, stock: number) {
  shop.stock.set(productId, stock);
  await env.client.workflow.signalWithStart(backInStockRestock, {
    workflowId: backInStockRestockWorkflowId(productId),
    typedSearchAttributes: new TypedSearchAttributes([{ key: JourneyKey, value: 'back-in-stock-restock' }]),
    taskQueue,
    args: [{ productId, config: config.backInStock }],
    signal: productRestockedSignal,
    signalArgs: [{ stock }],
  });
}

/** What dispatch (ingest/dispatch.ts) gives a journey it starts: its CustomerId and Journey attributes. */
function asDispatched(workflowId: string, customerId: string) {
  return {
    typedSearchAttributes: new TypedSearchAttributes([
      { key: CustomerIdKey, value: customerId },
      { key: JourneyKey, value: workflowId.split('/')[0] },
    ]),
  };
}

/** Skip time until the run completes or continues as new: its history is then final. */
async function runToEnd(env: TestWorkflowEnvironment, workflowId: string, runId?: string): Promise<Recording> {
  try {
    await env.client.workflow.getHandle(workflowId, runId, { followRuns: false }).result();
  } catch (err) {
    if (!(err instanceof WorkflowContinuedAsNewError)) throw err;
  }
  return { workflowId, runId };
}

function event<T extends ShopEvent['type']>(type: T, customerId: string, id: string, at: number, properties: EventProperties<T>): ShopEvent {
  return { id, type, customerId, occurredAt: new Date(at).toISOString(), properties } as ShopEvent;
}

const line = (productId: string, quantity = 1): OrderLine => ({ productId, quantity });

const orderOf = (placed: ShopEvent) => placed.properties as EventProperties<'order.placed'>;

function shipped(customerId: string, orderId: string, trackingNumber: string, at: number, id = `evt-shipped-${trackingNumber}`): ShopEvent {
  return event('order.shipped', customerId, id, at, {
    orderId,
    carrier: 'DHL',
    trackingNumber,
    trackingUrl: `https://track.example.com/${trackingNumber}`,
  });
}

/** Run one scenario on the time-skipping server against the current workflow code. */
export async function playScenario(name: string) {
  const env = await startTimeSkipping();
  try {
    const { shop, activities } = openShop(env);
    const history = await withWorker(env, activities, async (taskQueue) => {
      const scene: Scene = { env, taskQueue, shop, now: () => env.currentTimeMs() };
      const { workflowId, runId } = await scenarios[name](scene);
      return env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    });
    return { history, shop };
  } finally {
    await env.teardown();
  }
}

export const scenarioNames = Object.keys(scenarios);

async function record(name: string): Promise<void> {
  const { history, shop } = await playScenario(name);
  const file = join(__dirname, 'histories', `${name}-${new Date().toISOString().slice(0, 10)}.binpb`);
  // Binary protobuf: lossless for payload bytes and 64-bit ids, and what History.decode reads.
  const bytes = temporal.api.history.v1.History.encode(history).finish();
  writeFileSync(file, bytes);
  const messages = shop.sent.map((s) => `${s.input.template}${shop.refusals.has(s.input.idempotencyKey) ? ' (skipped)' : ''}`);
  console.log(`${name}: ${history.events?.length} events, ${bytes.length} bytes → ${file}\n  messages: ${messages.join(', ') || 'none'}`);
}

async function main(): Promise<void> {
  const names = process.argv[2] === 'all' ? Object.keys(scenarios) : process.argv.slice(2);
  const unknown = names.filter((n) => !(n in scenarios));
  if (names.length === 0 || unknown.length) {
    throw new Error(`usage: record.ts <${Object.keys(scenarios).join('|')}>... | all${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  for (const name of names) await record(name);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
