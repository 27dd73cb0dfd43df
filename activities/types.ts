/** Types shared by the send path and the journey kit; pure, so workflows may import them. */
import type { Duration } from '@temporalio/common';
export type MessageCategory = 'transactional' | 'marketing';

/** What a step does when the frequency cap is reached: drop the message or wait for a free slot. */
export type CapPolicy = 'skip' | 'defer';

export interface CouponRequest {
  /** unique per journey step: a retried or replayed step gets the same code back */
  key: string;
  percentOff: number;
  /** e.g. '7 days' */
  validFor: Duration;
}

/**
 * When a step may go out. 'immediate': the customer's own action asked for it (the welcome
 * email answers the sign-up), so quiet hours and the frequency cap do not hold it; consent,
 * unsubscribe and suppression still apply. 'standard': every guardrail (the default).
 */
export type SendWindow = 'immediate' | 'standard';

export interface SendMessageOptions {
  category: MessageCategory;
  onCap: CapPolicy;
  /** default 'standard' */
  sendWindow?: SendWindow;
  /**
   * The message promotes the products in `data.items` (each with a productId): the send path
   * drops sold-out ones at send time and skips the message when none is left.
   */
  promotes?: boolean;
  /**
   * The journey ends when the customer orders: a retry after the provider refused an attempt
   * skips the message (`exit_event_before_retry`) when an order was placed since its claim.
   */
  endsOnOrder?: boolean;
}

export interface SendMessageInput extends SendMessageOptions {
  idempotencyKey: string;
  workflowId: string;
  journey: string;
  step: string;
  customerId: string;
  template: string;
  data: Record<string, unknown>;
  coupon?: CouponRequest;
}

export type SendOutcome =
  | { status: 'sent'; messageId: number; providerMessageId: string; coupon?: IssuedCoupon }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'deferred'; reason: string; retryAt: string };

export interface IssuedCoupon {
  code: string;
  percentOff: number;
  expiresAt: string;
}

/** Why a message was not sent; stored in messages.skip_reason and counted in stats. */
export type SkipReason =
  | 'no_email'
  | 'erased'
  | 'no_consent'
  | 'unsubscribed'
  | 'suppressed'
  | 'unengaged'
  | 'frequency_cap'
  | 'out_of_stock'
  | 'sent_for_another_order'
  | 'exit_event_while_deferred'
  | 'exit_event_before_retry'
  | 'journey_paused'
  /** the customer is outside the step's audience (config `stepAudiences`) at send time */
  | 'outside_audience';
