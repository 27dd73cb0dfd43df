import { Router } from 'express';
import { z } from 'zod';
import { ApiError, validationError } from '../errors';
import type { ApiDeps } from '../deps';
import { checkCoupon, redeemCoupon } from '../../activities/coupon-redemptions';
import { documentV1, error, json, shopId } from '../route-docs';

/**
 * Coupons for the shop's checkout: GET tells whether a code can be used (and why not), POST
 * redeems it for an order. See README "Coupons at checkout" for how a checkout calls them.
 */
const couponCode = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'letters, digits and dashes')
  .openapi({ description: 'A code as printed in the email (case does not matter)', example: 'WELCOME-ABCD-EFGH-JKMN' });
const codeParams = z.object({ code: couponCode });

export const CouponQuerySchema = z.object({
  customerId: shopId.optional().openapi({ description: 'Who is checking out: a code issued to someone else is not valid for them' }),
});

export const RedemptionSchema = z
  .object({
    orderId: shopId.openapi({ description: 'The order the code is used for: the idempotency key of the redemption' }),
    customerId: shopId.openapi({ description: 'Who is checking out: only the customer the code was issued to may redeem it' }),
  })
  .strict()
  .openapi('CouponRedemptionRequest');

const CouponSchema = z
  .object({
    code: z.string(),
    valid: z.boolean(),
    reason: z
      .enum(['expired', 'used_up', 'not_for_customer'])
      .nullable()
      .openapi({ description: 'why the code cannot be used now; null when valid' }),
    percentOff: z.number().int(),
    expiresAt: z.string(),
    issuedAt: z.string(),
    customerId: z.string().openapi({ description: 'the customer the code was issued to' }),
    journey: z.string().openapi({ description: 'the journey whose email carried it' }),
    maxRedemptions: z.number().int(),
    redemptions: z.array(z.object({ orderId: z.string(), redeemedAt: z.string() })),
  })
  .openapi('Coupon');

const RedemptionResultSchema = z
  .object({
    duplicate: z.boolean().openapi({ description: 'true: this order had redeemed the code before; nothing changed' }),
    redemption: z.object({ orderId: z.string(), redeemedAt: z.string() }),
    coupon: CouponSchema,
  })
  .openapi('CouponRedemption');

documentV1({
  method: 'get',
  path: '/v1/coupons/{code}',
  summary: 'Check a coupon code: valid, or why not (expired, used up, issued to someone else), its discount, expiry and owner',
  request: { params: codeParams, query: CouponQuerySchema },
  responses: { 200: json(CouponSchema, 'The code and whether it can be used now'), 404: error('No such code') },
});
documentV1({
  method: 'post',
  path: '/v1/coupons/{code}/redemptions',
  summary: 'Redeem a code for an order (idempotent by orderId)',
  description:
    'Redeems the code for `orderId` once: repeating the call for the same order answers 200 with the first redemption (`duplicate: true`). ' +
    'A code redeems once unless JOURNEYS_CONFIG_FILE `coupons.maxRedemptions` said otherwise when it was issued. ' +
    'Concurrent calls are serialised on the code: of two orders racing for its last use, one gets 201 and the other 409. ' +
    'The redeemed order is credited to the message that carried the code, ahead of last-touch attribution.',
  request: { params: codeParams, body: { required: true, content: { 'application/json': { schema: RedemptionSchema } } } },
  responses: {
    200: json(RedemptionResultSchema, 'Already redeemed for this order (a retry): nothing changed'),
    201: json(RedemptionResultSchema, 'Redeemed'),
    404: error('No such code'),
    409: error('The code has expired (`coupon_expired`) or has been used up by other orders (`coupon_used_up`)'),
    422: error('Invalid body, or the code was issued to another customer (`coupon_not_for_customer`)'),
  },
});

const REFUSALS = {
  expired: [409, 'coupon_expired', 'The code has expired'],
  used_up: [409, 'coupon_used_up', 'The code has been redeemed by another order'],
  not_for_customer: [422, 'coupon_not_for_customer', 'The code was issued to another customer'],
  not_found: [404, 'not_found', 'No such coupon code'],
} as const;

export function couponsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/:code', async (req, res) => {
    const params = codeParams.safeParse(req.params);
    if (!params.success) throw validationError(params.error, 'path');
    const q = CouponQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error, 'query');
    const coupon = await checkCoupon(deps.db, params.data.code, { now: new Date(), customerId: q.data.customerId });
    if (!coupon) throw new ApiError(404, 'not_found', 'No such coupon code');
    res.json(coupon);
  });

  router.post('/:code/redemptions', async (req, res) => {
    const params = codeParams.safeParse(req.params);
    if (!params.success) throw validationError(params.error, 'path');
    const body = RedemptionSchema.safeParse(req.body);
    if (!body.success) throw validationError(body.error);
    const outcome = await redeemCoupon(deps.db, { code: params.data.code, ...body.data, at: new Date(), source: 'api' });
    if (outcome.status === 'refused') {
      const [status, code, message] = REFUSALS[outcome.reason];
      throw new ApiError(status, code, message, outcome.coupon ? { coupon: outcome.coupon } : undefined);
    }
    res
      .status(outcome.status === 'redeemed' ? 201 : 200)
      .json({ duplicate: outcome.status === 'already_redeemed', redemption: outcome.redemption, coupon: outcome.coupon });
  });

  return router;
}
