/**
 * VIP — one journey per customer (`vip/<customerId>`, never restarted once it ends), reached by
 * every order.placed.
 *   at 5 orders or 1000 of lifetime revenue: a one-time VIP invitation with an exclusive 20% code
 *
 * Never twice: every order of the customer lands in this one workflow, which handles them one
 * at a time and ends once the invitation is sent; the ledger's idempotency key makes the send
 * itself unique, and the standing check refuses when any run already invited the customer.
 * An invitation that could not go out (no consent yet, unsubscribed) is tried again on the
 * next order.
 */
import { condition, continueAsNew, proxyActivities } from '@temporalio/workflow';
import { Journey, type Carried, type ContinuesAsNew, type JourneyCarryOver } from './kit';
import type { VipView } from './messages';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

export interface VipInput extends ContinuesAsNew<VipState> {
  customerId: string;
  config: JourneysConfig['vip'];
}

export interface VipState {
  /** the customer's standing as last read, and the invitations tried */
  standing: VipView;
  /** orders arrived that the orders table was not read for yet */
  unchecked: boolean;
}

/** How runs continued before the one carried shape hold their state: beside the kit's part. */
type CarriedBefore = JourneyCarryOver & { state: VipView; unchecked: boolean };

function carriedOf(input: VipInput): Carried<VipState> | undefined {
  const carried = input.carried as Carried<VipState> | CarriedBefore | undefined;
  if (!carried || 'kit' in carried) return carried;
  return { kit: { seenEventIds: carried.seenEventIds }, state: { standing: carried.state, unchecked: carried.unchecked } };
}

const { vipStanding } = proxyActivities<Pick<Activities, 'vipStanding'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function vip(input: VipInput): Promise<void> {
  const { customerId, config } = input;
  const carried = carriedOf(input);
  const journey = new Journey<VipView>({ journey: 'vip', customerId, carried, historyLimit: input.historyLimit, sendWindows: config.sendWindows });
  const state: VipView = carried?.state.standing ?? { orderCount: 0, lifetimeRevenue: 0, attempts: 0 };
  journey.data = state;
  // Orders that arrived since the orders table was last read; many at once mean one read.
  let unchecked = carried?.state.unchecked ?? false;
  journey.on('order.placed', () => {
    unchecked = true;
  });

  for (;;) {
    if (journey.historyIsLong()) {
      await continueAsNew<typeof vip>({ ...input, carried: journey.carry({ standing: state, unchecked }) });
    }
    journey.at(
      'waiting-for-orders',
      `${state.orderCount} of ${config.orderCount} orders, ${state.lifetimeRevenue} of ${config.lifetimeRevenue} revenue`,
    );
    await condition(() => unchecked);
    unchecked = false;

    const standing = await vipStanding({ customerId });
    state.orderCount = standing.orderCount;
    state.lifetimeRevenue = standing.lifetimeRevenue;
    if (standing.invitedAt) {
      journey.at('done', `already invited on ${standing.invitedAt}`);
      return;
    }
    if (standing.orderCount < config.orderCount && standing.lifetimeRevenue < config.lifetimeRevenue) continue;

    journey.at('inviting', `qualified with ${standing.orderCount} orders, ${standing.lifetimeRevenue} revenue`);
    const outcome = await journey.send(
      'vip-invitation',
      'vip-invitation',
      { orderCount: standing.orderCount },
      {
        category: 'marketing',
        // Once in a customer's life: worth waiting for a free slot.
        onCap: 'defer',
        coupon: { key: `vip/${customerId}`, percentOff: config.rewardPercentOff, validFor: config.rewardValidity },
        iteration: state.attempts === 0 ? undefined : state.attempts,
      },
    );
    if (outcome.status === 'sent') {
      journey.at('done', 'VIP invitation sent');
      return;
    }
    state.attempts += 1;
  }
}
