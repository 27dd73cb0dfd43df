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
import { Journey, type JourneyCarryOver } from './kit';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

export type VipState = {
  orderCount: number;
  lifetimeRevenue: number;
  /** invitations tried and not sent (the next try gets a new ledger key) */
  attempts: number;
};

export interface VipInput {
  customerId: string;
  config: JourneysConfig['vip'];
  carried?: JourneyCarryOver & { state: VipState; unchecked: boolean };
  /** history length that triggers continue-as-new; tests pass a small one */
  historyLimit?: number;
}

const { vipStanding } = proxyActivities<Pick<Activities, 'vipStanding'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function vip(input: VipInput): Promise<void> {
  const { customerId, config } = input;
  const journey = new Journey({ journey: 'vip', customerId, carryOver: input.carried, sendWindows: config.sendWindows });
  const state: VipState = input.carried?.state ?? { orderCount: 0, lifetimeRevenue: 0, attempts: 0 };
  journey.data = state;
  // Orders that arrived since the orders table was last read; many at once mean one read.
  let unchecked = input.carried?.unchecked ?? false;
  journey.on('order.placed', () => {
    unchecked = true;
  });

  for (;;) {
    if (journey.historyIsLong(input.historyLimit)) {
      await continueAsNew<typeof vip>({ ...input, carried: { ...journey.carryOver(), state, unchecked } });
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
