import type { Pool } from 'pg';
import { crossSellProducts, isFirstOrder, itemsToReview } from './post-purchase';
import { claimStep, releaseStep, type StepClaimRequest } from './step-claims';
import { customerEngagement, sunsetIfUnengaged } from './engagement';
import { vipStanding } from './vip';

/** The reads and writes of the post-purchase, win-back and VIP journeys (beyond sendMessage). */
export function createPurchaseLifecycleActivities(deps: { db: Pool; now: () => Date; shopUrl: string }) {
  const catalog = { db: deps.db, shopUrl: deps.shopUrl };
  return {
    isFirstOrder: (input: { customerId: string; orderId: string }) => isFirstOrder(catalog, input),
    itemsToReview: (input: { orderId: string }) => itemsToReview(catalog, input),
    crossSellProducts: (input: { customerId: string; orderId: string; limit: number }) => crossSellProducts(catalog, input),
    claimStep: (request: StepClaimRequest) => claimStep(deps.db, deps.now(), request),
    releaseStep: (request: { workflowId: string; step: string }) => releaseStep(deps.db, deps.now(), request),
    customerEngagement: (input: { customerId: string; since: string }) => customerEngagement(deps.db, input),
    sunsetIfUnengaged: (input: { customerId: string; since: string }) => sunsetIfUnengaged(deps.db, deps.now(), input),
    vipStanding: (input: { customerId: string }) => vipStanding(deps.db, input),
  };
}
