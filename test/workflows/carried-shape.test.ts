import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import type * as journeys from '../../workflows';
import type { Carried, ContinuesAsNew } from '../../workflows/kit';
import { defaultJourneysConfig as config } from '../../config/journeys';
import type { EventProperties, ShopEvent } from '../../ingest/event-schemas';
import {
  backInStockRestockWorkflowId,
  backInStockWorkflowId,
  changeReplenishmentUpdate,
  journeyEventSignal,
  productRestockedSignal,
} from '../../workflows/messages';
import { abandonedCart } from '../../workflows/abandoned-cart';
import { browseAbandonment } from '../../workflows/browse-abandonment';
import { backInStock, backInStockRestock } from '../../workflows/back-in-stock';
import { birthday } from '../../workflows/birthday';
import { leadNurture } from '../../workflows/lead-nurture';
import { order } from '../../workflows/order';
import { postPurchase } from '../../workflows/post-purchase';
import { replenishment } from '../../workflows/replenishment';
import { vip } from '../../workflows/vip';
import { welcome } from '../../workflows/welcome';
import { winBack } from '../../workflows/win-back';
import { sunsetSweep } from '../../workflows/sunset-sweep';
import { SUNSET_SWEEP_WORKFLOW_ID, sweepNowSignal } from '../../workflows/messages';
import { startTimeSkipping, withWorker } from '../helpers/time-skipping';
import { catalogue, openShop, type FakeShop } from '../replay/fake-shop';

/**
 * Every journey continues as new with one input shape: its own start input, unchanged, plus
 * `carried: { kit, state }` (the kit's event ids and the journey's typed state) and the
 * `historyLimit` knob. Checked twice: by the type checker over every workflow the worker runs,
 * and at run time over the input each journey really hands to its next run.
 */

// ── The types: `npx tsc --noEmit` fails when a journey's input drifts ────────────────────────────

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type InputOf<W> = W extends (input: infer I) => Promise<void> ? I : never;
type StateOf<I> = I extends { carried?: Carried<infer S> } ? S : never;
/** The continue-as-new part of an input is exactly `ContinuesAsNew<its state>`, and nothing else carries. */
type TakesTheShape<I> =
  Equals<Pick<I, Extract<keyof I, 'carried' | 'historyLimit'>>, ContinuesAsNew<StateOf<I>>> extends true
    ? Extract<keyof I, `carry${string}` | `${string}Carry${string}` | `${string}carried${string}`> extends 'carried'
      ? true
      : false
    : false;

/**
 * Journeys that never continue as new: their waits end only on their exit events and their
 * steps are few, so their history stays short. Listed, so a new journey must choose.
 */
type NeverContinues = 'orderNotice' | 'sunset';
type Journeys = typeof journeys;
type Verdicts = {
  [K in keyof Journeys]: K extends NeverContinues
    ? Extract<keyof InputOf<Journeys[K]>, 'carried' | 'historyLimit'> extends never
      ? true
      : 'declares carried state: take it out of NeverContinues'
    : TakesTheShape<InputOf<Journeys[K]>> extends true
      ? true
      : 'its continue-as-new input is not ContinuesAsNew<State>';
};
// A journey whose input drifts turns its entry from `true` into the reason, and this fails to compile.
const everyJourneyTakesTheShape: { [K in keyof Journeys]: true } = {} as Verdicts;
void everyJourneyTakesTheShape;

// ── At run time: the input each journey really hands to its next run ───────────────────────────

interface Drive {
  /** start the journey with `historyLimit` (and whatever its first event is) */
  start(taskQueue: string, historyLimit: number): Promise<{ workflowId: string; runId: string }>;
  /** something that wakes the journey and grows its history; `n` counts from 1 */
  poke(taskQueue: string, n: number): Promise<void>;
}

const MINUTE = 60_000;
let env: TestWorkflowEnvironment;
let shop: FakeShop;
let activities: ReturnType<typeof openShop>['activities'];

const now = () => env.currentTimeMs();
function event<T extends ShopEvent['type']>(type: T, customerId: string, id: string, at: number, properties: EventProperties<T>): ShopEvent {
  return { id, type, customerId, occurredAt: new Date(at).toISOString(), properties } as ShopEvent;
}
async function startWith<I>(workflow: (input: I) => Promise<void>, workflowId: string, taskQueue: string, input: I, first: ShopEvent) {
  const handle = await env.client.workflow.signalWithStart(workflow, {
    workflowId,
    taskQueue,
    args: [input],
    signal: journeyEventSignal,
    signalArgs: [first],
  });
  return { workflowId, runId: handle.signaledRunId };
}
const signal = (workflowId: string, e: ShopEvent) => env.client.workflow.getHandle(workflowId).signal(journeyEventSignal, e);
const cart = async (id: string) =>
  event('cart.updated', 'c-cart', id, await now(), {
    cartId: 'cart-1',
    cartUrl: 'https://shop.example.com/cart/c-cart',
    items: [{ productId: 'sencha', title: catalogue.sencha.title, price: catalogue.sencha.price, quantity: 1 }],
  });
const created = async (id: string) => event('customer.created', 'c-new', id, await now(), { email: 'new@example.com', marketingConsent: true });
const placed = async (customerId: string, orderId: string, productId = 'sencha') => shop.place(customerId, orderId, await now(), [{ productId, quantity: 1 }]);

/** How to drive each journey that continues as new to its first continue-as-new. */
const drives: Record<string, Drive> = {};

drives.abandonedCart = {
  start: async (taskQueue, historyLimit) =>
    startWith(abandonedCart, 'abandoned-cart/c-cart', taskQueue, { customerId: 'c-cart', config: config.abandonedCart, historyLimit }, await cart('evt-cart-0')),
  poke: async (_, n) => signal('abandoned-cart/c-cart', await cart(`evt-cart-${n}`)),
};

const view = async (id: string) => event('product.viewed', 'c-browse', id, await now(), { productId: 'kyusu' });
drives.browseAbandonment = {
  start: async (taskQueue, historyLimit) =>
    startWith(browseAbandonment, 'browse-abandonment/c-browse', taskQueue, { customerId: 'c-browse', config: config.browseAbandonment, historyLimit }, await view('evt-view-0')),
  poke: async (_, n) => signal('browse-abandonment/c-browse', await view(`evt-view-${n}`)),
};

const requestedAt = '2026-01-01T00:00:00.000Z';
drives.backInStock = {
  async start(taskQueue, historyLimit) {
    shop.stock.set('kyusu', 0);
    const workflowId = backInStockWorkflowId('c-waits', 'kyusu');
    const request = event('back_in_stock.requested', 'c-waits', 'evt-request', Date.parse(requestedAt), { productId: 'kyusu' });
    return startWith(backInStock, workflowId, taskQueue, { customerId: 'c-waits', productId: 'kyusu', requestedAt, config: config.backInStock, historyLimit }, request);
  },
  // Restocked, and sold out again by the time the alert goes: the subscriber waits on.
  async poke(_, n) {
    const workflowId = backInStockWorkflowId('c-waits', 'kyusu');
    shop.refusals.set(`${workflowId}/alert/${requestedAt}/${n}`, 'out_of_stock');
    await env.client.workflow.getHandle(workflowId).signal(productRestockedSignal, { stock: 1 });
  },
};

drives.backInStockRestock = {
  async start(taskQueue, historyLimit) {
    shop.stock.set('cups', 1);
    for (const customerId of ['c-gone-1', 'c-gone-2']) shop.waitlist.push({ customerId, productId: 'cups', requestedAt, status: 'waiting' });
    const workflowId = backInStockRestockWorkflowId('cups');
    const handle = await env.client.workflow.signalWithStart(backInStockRestock, {
      workflowId,
      taskQueue,
      args: [{ productId: 'cups', config: config.backInStock, historyLimit }],
      signal: productRestockedSignal,
      signalArgs: [{ stock: 1 }],
    });
    return { workflowId, runId: handle.signaledRunId };
  },
  // Nobody's journey runs, so each batch goes back to the queue for the next.
  poke: () => env.sleep(config.backInStock.batchInterval),
};

drives.birthday = {
  async start(taskQueue, historyLimit) {
    shop.profiles.set('c-cake', { birthday: '1990-11-30', timezone: 'Europe/Berlin' });
    const created = event('customer.created', 'c-cake', 'evt-created', await now(), { email: 'cake@example.com', birthday: '1990-11-30' });
    return startWith(
      birthday,
      'birthday/c-cake',
      taskQueue,
      { customerId: 'c-cake', config: { ...config.birthday, defaultTimezone: 'Europe/Berlin' }, historyLimit },
      created,
    );
  },
  poke: async (_, n) => signal('birthday/c-cake', event('customer.updated', 'c-cake', `evt-updated-${n}`, await now(), { timezone: 'Europe/Berlin' })),
};

drives.leadNurture = {
  async start(taskQueue, historyLimit) {
    const form = event('form.submitted', 'c-lead', 'evt-form', await now(), { formId: 'newsletter', topics: ['coffee', 'tea'] });
    return startWith(leadNurture, 'lead-nurture/c-lead', taskQueue, { customerId: 'c-lead', config: config.leadNurture, historyLimit }, form);
  },
  poke: () => env.sleep(config.leadNurture.interval),
};

drives.order = {
  async start(taskQueue, historyLimit) {
    const e = await placed('c-order', 'o-1');
    const properties = e.properties as EventProperties<'order.placed'>;
    return startWith(order, 'order/o-1', taskQueue, { customerId: 'c-order', orderId: 'o-1', placedAt: e.occurredAt, order: properties, config: config.order, historyLimit }, e);
  },
  poke: async (_, n) =>
    signal('order/o-1', event('order.shipped', 'c-order', `evt-shipped-${n}`, await now(), { orderId: 'o-1', carrier: 'DHL', trackingNumber: `JD${n}` })),
};

// The shop re-posting the delivery while the journey sleeps towards the review request.
drives.postPurchase = {
  async start(taskQueue, historyLimit) {
    const e = await placed('c-thanks', 'o-2');
    const properties = e.properties as EventProperties<'order.placed'>;
    return startWith(postPurchase, 'post-purchase/o-2', taskQueue, { customerId: 'c-thanks', orderId: 'o-2', order: properties, config: config.postPurchase, historyLimit }, e);
  },
  poke: async (_, n) => signal('post-purchase/o-2', event('order.delivered', 'c-thanks', `evt-delivered-${n}`, await now(), { orderId: 'o-2' })),
};

drives.replenishment = {
  async start(taskQueue, historyLimit) {
    const e = await placed('c-beans', 'o-beans', 'beans');
    return startWith(
      replenishment,
      'replenishment/c-beans/beans',
      taskQueue,
      { customerId: 'c-beans', productId: 'beans', config: config.replenishment, historyLimit },
      e,
    );
  },
  // "Remind me later" from the email's link page.
  async poke() {
    await env.client.workflow
      .getHandle('replenishment/c-beans/beans')
      .executeUpdate(changeReplenishmentUpdate, { args: [{ orderId: 'o-beans', kind: 'snooze' }] })
      .catch(() => undefined); // too early (no reminder planned yet) or a run that just continued: poke again
  },
};

drives.vip = {
  start: async (taskQueue, historyLimit) =>
    startWith(vip, 'vip/c-loyal', taskQueue, { customerId: 'c-loyal', config: config.vip, historyLimit }, await placed('c-loyal', 'o-v0')),
  poke: async (_, n) => signal('vip/c-loyal', await placed('c-loyal', `o-v${n}`)),
};

// A shop re-posting the customer while the journey waits for a first order.
drives.welcome = {
  start: async (taskQueue, historyLimit) =>
    startWith(welcome, 'welcome/c-new', taskQueue, { customerId: 'c-new', config: config.welcome, historyLimit }, await created('evt-created-0')),
  poke: async (_, n) => signal('welcome/c-new', await created(`evt-created-${n}`)),
};

drives.winBack = {
  start: async (taskQueue, historyLimit) =>
    startWith(winBack, 'win-back/c-lapses', taskQueue, { customerId: 'c-lapses', config: config.winBack, historyLimit }, await placed('c-lapses', 'o-w0')),
  poke: async (_, n) => signal('win-back/c-lapses', await placed('c-lapses', `o-w${n}`)),
};

// Batches of a long pass (the fake sweep reads two customers a batch), then a pass asked for at once.
drives.sunsetSweep = {
  start: async (taskQueue, historyLimit) => {
    shop.lapsed.push(...Array.from({ length: 40 }, (_, i) => `c-lapsed-${String(i).padStart(2, '0')}`));
    const handle = await env.client.workflow.start(sunsetSweep, { workflowId: SUNSET_SWEEP_WORKFLOW_ID, taskQueue, args: [{ historyLimit }] });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  },
  poke: async () => env.client.workflow.getHandle(SUNSET_SWEEP_WORKFLOW_ID).signal(sweepNowSignal),
};

const NEVER_CONTINUES: NeverContinues[] = ['orderNotice', 'sunset'];
const POKES = 20;
const HISTORY_LIMIT = 12;

function payloadOf(payloads: temporal.api.common.v1.IPayloads | null | undefined): Record<string, unknown> {
  return defaultPayloadConverter.fromPayload(payloads!.payloads![0]);
}

test('every journey the worker runs either continues as new or is listed as one that never does', async () => {
  const exported = Object.keys(await import('../../workflows')).sort();
  assert.deepEqual([...Object.keys(drives), ...NEVER_CONTINUES].sort(), exported);
});

describe('one continue-as-new input shape', { timeout: 300_000 }, () => {
  // A server per journey: a journey left running with no worker would hold the next one's clock.
  beforeEach(async () => {
    env = await startTimeSkipping();
    ({ shop, activities } = openShop(env));
  });
  afterEach(async () => {
    await env?.teardown();
  });

  for (const [name, drive] of Object.entries(drives)) {
    test(`${name} hands its next run its own input, unchanged, with carried: { kit, state }`, async () => {
      await withWorker(env, activities, async (taskQueue) => {
        const { workflowId, runId } = await drive.start(taskQueue, HISTORY_LIMIT);
        const firstRun = env.client.workflow.getHandle(workflowId, runId);
        let history = await firstRun.fetchHistory();
        for (let n = 1; n <= POKES && !continued(history); n++) {
          await drive.poke(taskQueue, n);
          await env.sleep(MINUTE);
          history = await firstRun.fetchHistory();
        }
        assert.ok(continued(history), `${name} did not continue as new after ${POKES} pokes with historyLimit ${HISTORY_LIMIT}`);

        const started = payloadOf(history.events![0].workflowExecutionStartedEventAttributes!.input);
        const next = payloadOf(history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!.input);
        const { carried, ...own } = next;
        assert.deepEqual(own, started, 'the start input passes on unchanged; only `carried` is added');
        assert.ok(carried && typeof carried === 'object', 'carried is set');
        assert.deepEqual(Object.keys(carried).sort(), ['kit', 'state']);
        const { kit, state } = carried as Carried<unknown>;
        assert.ok(kit && typeof kit === 'object' && Object.keys(kit).every((k) => k === 'seenEventIds'), `kit holds the kit's part only: ${JSON.stringify(kit)}`);
        assert.ok(kit.seenEventIds === undefined || kit.seenEventIds.every((id) => typeof id === 'string'));
        assert.ok(state !== null && typeof state === 'object', 'state is the journey’s own object');

        // The next run takes it: it has not failed on the input it was given.
        const { status } = await env.client.workflow.getHandle(workflowId).describe();
        assert.ok(['RUNNING', 'COMPLETED', 'CONTINUED_AS_NEW'].includes(status.name), `the next run is ${status.name}`);
      });
    });
  }
});

function continued(history: temporal.api.history.v1.IHistory): boolean {
  return history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes != null;
}

