/**
 * Browse abandonment — one journey per customer (`browse-abandonment/<customerId>`), started by
 * a product.viewed of a known customer who agreed to marketing.
 *   2 hours after the latest view (each view restarts the clock), with no cart, checkout or
 *     order meanwhile: one email with the viewed products still in stock (re-checked at send)
 *     and related products; at the frequency cap it is skipped, not deferred
 *   ends on: a non-empty cart.updated, checkout.started, order.placed
 *   one per 7 days: after the email the journey stays open until 7 days after it, taking views
 *     in without mailing; then it ends and the next view starts afresh
 */
import { continueAsNew, proxyLocalActivities } from '@temporalio/workflow';
import { Journey, type ContinuesAsNew, type HeldBack } from './kit';
import { toMs } from '../shared/durations';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

export interface BrowseAbandonmentState {
  /** viewed product ids, the latest view first, each once */
  viewed: string[];
  /** workflow time of the latest view: the quiet clock starts here */
  lastViewAt: number;
  /** a cart, checkout or order ended the browsing */
  converted: boolean;
  /** workflow time the email went out (the cooldown counts from here) */
  sentAt?: number;
}

export interface BrowseAbandonmentInput extends ContinuesAsNew<BrowseAbandonmentState> {
  customerId: string;
  config: JourneysConfig['browseAbandonment'];
  /**
   * The views dispatch held back until the customer was quiet (ingest/held-starts.ts): the
   * journey starts when its email is due. Runs started on the first view have none.
   */
  heldBack?: HeldBack;
}

const { browsedProducts } = proxyLocalActivities<Pick<Activities, 'browsedProducts'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/** Views kept: enough for the email, bounded however long someone browses. */
const VIEWS_KEPT = 20;

export async function browseAbandonment(input: BrowseAbandonmentInput): Promise<void> {
  const { customerId, config, carried, historyLimit } = input;
  const heldBack = carried ? undefined : input.heldBack;
  const journey = new Journey({ journey: 'browse-abandonment', customerId, carried, historyLimit, endsOnOrder: true, sendWindows: config.sendWindows, heldBack });
  const state: BrowseAbandonmentState = carried?.state ?? { viewed: [], lastViewAt: Date.now(), converted: false };
  let views = 0;
  journey
    .on('product.viewed', (event) => {
      state.viewed = [event.properties.productId, ...state.viewed.filter((id) => id !== event.properties.productId)].slice(0, VIEWS_KEPT);
      state.lastViewAt = Date.now();
      views++;
    })
    .on('cart.updated', (event) => {
      if (event.properties.items.length > 0) state.converted = true;
    })
    .on('checkout.started', () => {
      state.converted = true;
    })
    .on('order.placed', () => {
      state.converted = true;
    });
  // Quiet since the newest view reached us, not since this start.
  if (heldBack) state.lastViewAt = heldBack.quietSince;
  const continueIfHistoryIsLong = async () => {
    if (journey.historyIsLong()) await continueAsNew<typeof browseAbandonment>({ ...input, heldBack: undefined, carried: journey.carry(state) });
  };

  if (state.sentAt === undefined) {
    const after = toMs(config.after);
    for (;;) {
      if (state.converted) return journey.at('done', 'added to cart, checked out or ordered: no browse email');
      const dueAt = state.lastViewAt + after;
      if (Date.now() >= dueAt) break;
      const seen = views;
      await journey.waitUntil(
        () => views !== seen || state.converted,
        dueAt - Date.now(),
        'waiting-for-inactivity',
        `browse email ${config.after} after the latest product view, unless the customer adds to cart, checks out or orders`,
      );
      await continueIfHistoryIsLong();
    }
    if (state.viewed.length === 0) return journey.at('done', 'started without a product view');
    const { items, related } = await browsedProducts({ customerId, productIds: state.viewed, maxViewed: config.maxViewed, maxRelated: config.maxRelated });
    if (items.length === 0) return journey.at('done', 'nothing viewed is in stock: no browse email');
    const outcome = await journey.send('browse-reminder', 'browse-abandonment', { items, related }, {
      category: 'marketing',
      // One more email the same day is too much for a look around: skip at the cap.
      onCap: 'skip',
      promotes: true,
      iteration: state.viewed[0],
      stillWanted: () => !state.converted,
    });
    if (outcome.status !== 'sent') {
      // No email went out, so no cooldown: a view that landed meanwhile starts the next wait.
      await journey.startOverForLateEvents(
        (event) => event.type === 'product.viewed' && !state.converted,
        () => continueAsNew<typeof browseAbandonment>({ ...input, heldBack: undefined, carried: journey.carry({ ...state, lastViewAt: Date.now() }) }),
      );
      return journey.at('done', `browse email not sent (${outcome.reason})`);
    }
    state.sentAt = Date.now();
  }

  const cooldownEndsAt = state.sentAt + toMs(config.cooldown);
  while (Date.now() < cooldownEndsAt) {
    const seen = views;
    await journey.waitUntil(
      () => views !== seen,
      cooldownEndsAt - Date.now(),
      'cooldown',
      `one browse email per ${config.cooldown}: views until ${new Date(cooldownEndsAt).toISOString()} send nothing`,
    );
    await continueIfHistoryIsLong();
  }
  journey.at('done', 'browse email sent and cooldown over');
}
