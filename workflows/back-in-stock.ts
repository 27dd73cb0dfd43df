/**
 * Back in stock — a customer asks to hear when a sold-out product returns.
 *
 * backInStock: one journey per (customer, product), started by back_in_stock.requested.
 *   waits up to 90 days for the product's restock batch to include the customer;
 *   then re-checks stock at send time and alerts — sold out again by then: no email, the
 *   customer goes back to the front of the queue and waits for the next restock;
 *   90 days without an alert: the subscription expires.
 *
 * backInStockRestock: one per product, started when PUT /v1/products/:id takes stock from 0
 * to more than 0. It wakes subscribers in batches so 3 returned units do not mail 5,000 people:
 *   each batch = subscribersPerUnit × the stock left, oldest subscriptions first;
 *   after batchInterval, if stock remains and people still wait, the next batch;
 *   stock back to 0 or nobody left waiting: done (the rest wait for the next restock).
 */
import {
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { historyIsLong, Journey, type Carried, type ContinuesAsNew, type JourneyCarryOver, type ShopEvent } from './kit';
import { toMs } from '../shared/durations';
import { backInStockWorkflowId, JourneyKey, JourneyStepKey, productRestockedSignal, type BackInStockView } from './messages';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';
import type { RestockedProduct } from '../emails/BackInStockEmail';

/**
 * A coordinator that started before workflow ids encoded their parts keeps signalling the ids
 * its subscribers were started under (the same for every id without a `/` or `%`).
 */
const unencodedBackInStockWorkflowId = (customerId: string, productId: string) => `back-in-stock/${customerId}/${productId}`;

const {
  findProducts,
  claimBackInStockBatch,
  settleBackInStockSubscription,
  requeueBackInStockSubscribers,
  renewBackInStockSubscription,
} = proxyActivities<
  Pick<
    Activities,
    | 'findProducts'
    | 'claimBackInStockBatch'
    | 'settleBackInStockSubscription'
    | 'requeueBackInStockSubscribers'
    | 'renewBackInStockSubscription'
  >
>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '1 minute' } });

/**
 * Signals issued in one workflow task. Temporal refuses a task with too many (a batch of
 * thousands wedged the coordinator); each claim is bounded too, by the claim activity.
 */
const SIGNALS_PER_TASK = 100;

export interface BackInStockInput extends ContinuesAsNew<BackInStockState> {
  customerId: string;
  productId: string;
  /** occurredAt of the request: the subscription's queue position and version */
  requestedAt: string;
  config: JourneysConfig['backInStock'];
}

export interface BackInStockState {
  /** workflow time, ms: the subscription lapses then */
  expiresAt: number;
  /** alerts tried (each one's sends are named by it) */
  attempts: number;
}

/** How runs continued before the one carried shape hold their state: beside the kit's part. */
type CarriedBefore = BackInStockState & { kit: JourneyCarryOver };

function carriedOf(input: BackInStockInput): Carried<BackInStockState> | undefined {
  const carried = input.carried as Carried<BackInStockState> | CarriedBefore | undefined;
  if (!carried || 'state' in carried) return carried;
  return { kit: carried.kit, state: { expiresAt: carried.expiresAt, attempts: carried.attempts } };
}

export async function backInStock(input: BackInStockInput): Promise<void> {
  const { customerId, productId, requestedAt, config, historyLimit } = input;
  const carried = carriedOf(input);
  const journey = new Journey<BackInStockView>({ journey: 'back-in-stock', customerId, carried, historyLimit });
  let restocks = 0;
  setHandler(productRestockedSignal, () => void restocks++);
  const expiresAt = carried?.state.expiresAt ?? Date.now() + toMs(config.subscriptionValidity);
  let attempts = carried?.state.attempts ?? 0;
  const settle = (status: 'waiting' | 'notified' | 'expired' | 'cancelled', reason?: string) =>
    settleBackInStockSubscription({ customerId, productId, requestedAt, status, reason });
  journey.data = { productId, requestedAt, expiresAt: new Date(expiresAt).toISOString() };
  /**
   * The subscription ends here — unless the customer asked again while it was being settled
   * (the request found the row still 'notifying', so only this journey heard of it): then that
   * request is a new subscription, in a new run.
   */
  const end = async (step: string, details: string) => {
    let again: ShopEvent | undefined;
    await journey.startOverForLateEvents(
      (event) => {
        if (event.type === 'back_in_stock.requested' && event.occurredAt > requestedAt) again = event;
        return again !== undefined;
      },
      async () => {
        const renewedAt = again!.occurredAt;
        await renewBackInStockSubscription({ customerId, productId, requestedAt: renewedAt });
        return continueAsNew<typeof backInStock>({ customerId, productId, requestedAt: renewedAt, config, historyLimit });
      },
    );
    journey.at(step, details);
  };

  // A restock signalled before this run's first task (its worker busy or restarting) reaches
  // the handler as soon as it is set, before the loop: it is news to wait for, not seen.
  const earlyRestocksCount = patched('back-in-stock-early-restock-counts');
  let firstWait = true;
  for (;;) {
    const seen = firstWait && earlyRestocksCount ? 0 : restocks;
    firstWait = false;
    const woken = await journey.waitUntil(
      () => restocks > seen,
      Math.max(1, expiresAt - Date.now()),
      'waiting-for-restock',
      `${productId} to come back in stock (the request expires then)`,
    );
    if (!woken) {
      await settle('expired');
      await end('done', `subscription expired after ${config.subscriptionValidity}`);
      return;
    }
    attempts++;
    const [product] = await findProducts([productId]);
    if (!product) {
      await settle('cancelled', 'product_unknown');
      await end('done', `${productId} is not in the catalogue`);
      return;
    }
    // Requested by the customer for this one product: a service message, so transactional (no
    // marketing consent needed). promotes: the send path re-checks stock right before sending.
    const outcome = await journey.send('alert', 'back-in-stock', { items: [restockedProduct(product)] }, {
      category: 'transactional',
      promotes: true,
      // a later request for the same product is a new subscription with its own messages
      iteration: `${requestedAt}/${attempts}`,
    });
    if (outcome.status === 'sent') {
      await settle('notified');
      await end('done', `alerted: ${product.title} is back`);
      return;
    }
    if (outcome.status === 'skipped' && outcome.reason === 'out_of_stock') {
      // Sold out again before the alert: keep the place in the queue for the next restock.
      await settle('waiting', 'sold_out_at_send_time');
      if (journey.historyIsLong()) {
        await continueAsNew<typeof backInStock>({ ...input, carried: journey.carry({ expiresAt, attempts }) });
      }
      continue;
    }
    await settle('cancelled', outcome.reason);
    await end('done', `alert not sent (${outcome.reason})`);
    return;
  }
}

function restockedProduct(product: RestockedProduct & { stock?: number }): RestockedProduct {
  const { productId, title, price, currency, url, imageUrl } = product;
  return imageUrl ? { productId, title, price, currency, url, imageUrl } : { productId, title, price, currency, url };
}

export interface BackInStockRestockInput extends ContinuesAsNew<BackInStockRestockState> {
  productId: string;
  config: JourneysConfig['backInStock'];
}

export interface BackInStockRestockState {
  /** batches already told by earlier runs */
  batches: number;
}

/** Runs continued before the one carried shape hold their batch count in the input itself. */
type RestockInputBefore = { batches?: number };

const RESTOCK_JOURNEY = 'back-in-stock-restock';

export async function backInStockRestock(input: BackInStockRestockInput): Promise<void> {
  const { productId, config, historyLimit } = input;
  let batches = input.carried?.state.batches ?? (input as RestockInputBefore).batches ?? 0;
  // The coordinator dedupes no shop events (it takes only restock signals): its kit part is empty.
  const continueWith = (batches: number) =>
    continueAsNew<typeof backInStockRestock>({ productId, config, historyLimit, carried: { kit: {}, state: { batches } } });
  // A later restock while batches are running changes nothing: each batch reads the stock anew.
  setHandler(productRestockedSignal, () => undefined);
  // Dispatch starts the run with its Journey attribute: setting it again is a billed no-op.
  if (workflowInfo().typedSearchAttributes.get(JourneyKey) !== RESTOCK_JOURNEY || !patched('restock-skip-unchanged-journey-attribute')) {
    upsertSearchAttributes([{ key: JourneyKey, value: RESTOCK_JOURNEY }]);
  }
  const at = (step: string, details: string) => {
    upsertSearchAttributes([{ key: JourneyStepKey, value: step }]);
    setCurrentDetails(`**back-in-stock restock** of \`${productId}\`\n\n${details}`);
  };

  const subscriberWorkflowId = patched('encoded-workflow-ids') ? backInStockWorkflowId : unencodedBackInStockWorkflowId;
  if (patched('restock-bounded-idempotent-claims')) {
    await tellInBoundedBatches({ input, batches, continueWith, subscriberWorkflowId, at });
    return;
  }
  for (let inThisRun = 0; ; inThisRun++) {
    const batch = await claimBackInStockBatch({
      productId,
      subscribersPerUnit: config.subscribersPerUnit,
      validFor: config.subscriptionValidity,
    });
    if (batch.subscribers.length === 0) {
      at('done', batch.stock === 0 ? 'sold out again; the rest wait for the next restock' : 'nobody left waiting');
      return;
    }
    batches++;
    at('notifying', `batch ${batches}: ${batch.subscribers.length} subscribers for ${batch.stock} in stock`);
    await Promise.all(
      batch.subscribers.map(async (subscriber) => {
        try {
          await getExternalWorkflowHandle(subscriberWorkflowId(subscriber.customerId, productId)).signal(
            productRestockedSignal,
            { stock: batch.stock },
          );
        } catch {
          // The subscriber's journey is gone (erased customer, a request that lost a race): nobody to tell.
          await settleBackInStockSubscription({ ...subscriber, productId, status: 'expired', reason: 'journey_gone' });
        }
      }),
    );
    at('between-batches', `batch ${batches} told; next batch in ${config.batchInterval} if stock remains`);
    await sleep(config.batchInterval);
    // Coordinators that started before the history check counted their batches instead.
    const continueNow = patched('restock-continues-on-long-history') ? historyIsLong(historyLimit) : inThisRun >= 20;
    if (continueNow) await continueWith(batches);
  }
}

/**
 * The coordinator's batches, each `subscribersPerUnit × stock` people, claimed in bounded parts
 * (the claim activity caps each, and signals go out SIGNALS_PER_TASK per workflow task). Each
 * part's claim is named by the coordinator's first run, the batch and the part, so a retried
 * claim returns the same people. A subscriber whose journey is not running yet (its request
 * raced the restock) goes back to the queue for the next batch instead of expiring.
 */
async function tellInBoundedBatches(options: {
  input: BackInStockRestockInput;
  batches: number;
  continueWith: (batches: number) => Promise<never>;
  subscriberWorkflowId: (customerId: string, productId: string) => string;
  at: (step: string, details: string) => void;
}): Promise<void> {
  const { input, subscriberWorkflowId, at, continueWith } = options;
  const { productId, config } = input;
  let batches = options.batches;
  const { workflowId, firstExecutionRunId } = workflowInfo();
  for (;;) {
    const batch = batches + 1;
    let quota: number | undefined;
    let told = 0;
    let stock = 0;
    for (let part = 0; quota === undefined || told < quota; part++) {
      const claim = await claimBackInStockBatch({
        productId,
        subscribersPerUnit: config.subscribersPerUnit,
        validFor: config.subscriptionValidity,
        claimId: `${workflowId}/${firstExecutionRunId}/${batch}/${part}`,
        ...(quota === undefined ? {} : { limit: quota - told }),
      });
      quota ??= claim.stock * config.subscribersPerUnit;
      stock = claim.stock;
      if (claim.subscribers.length === 0) break;
      told += claim.subscribers.length;
      at('notifying', `batch ${batch}: ${told} of up to ${quota} subscribers told, ${stock} in stock`);
      const notRunning: typeof claim.subscribers = [];
      for (let i = 0; i < claim.subscribers.length; i += SIGNALS_PER_TASK) {
        await Promise.all(
          claim.subscribers.slice(i, i + SIGNALS_PER_TASK).map(async (subscriber) => {
            try {
              await getExternalWorkflowHandle(subscriberWorkflowId(subscriber.customerId, productId)).signal(
                productRestockedSignal,
                { stock: claim.stock },
              );
            } catch {
              notRunning.push(subscriber);
            }
          }),
        );
      }
      if (notRunning.length) {
        await requeueBackInStockSubscribers({ productId, subscribers: notRunning, retryAfter: config.batchInterval });
      }
    }
    if (told === 0) {
      at('done', stock === 0 ? 'sold out again; the rest wait for the next restock' : 'nobody left waiting');
      return;
    }
    batches = batch;
    at('between-batches', `batch ${batches} told; next batch in ${config.batchInterval} if stock remains`);
    await sleep(config.batchInterval);
    if (historyIsLong(input.historyLimit)) await continueWith(batches);
  }
}
