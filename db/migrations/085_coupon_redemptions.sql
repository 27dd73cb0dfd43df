-- Coupons the shop's checkout can check and redeem (GET /v1/coupons/:code,
-- POST /v1/coupons/:code/redemptions, order.placed couponCodes).
--
-- One row per (code, order): the order id is the idempotency key of a redemption, so a
-- checkout that retries, or an order.placed that repeats a redemption the checkout already
-- made, applies once. No customer id here: the coupon's owner is on `coupons`, and only the
-- owner may redeem (erasure renames it there).
CREATE TABLE coupon_redemptions (
  code         text NOT NULL REFERENCES coupons (code),
  order_id     text NOT NULL,
  redeemed_at  timestamptz NOT NULL,
  source       text NOT NULL CHECK (source IN ('api', 'order.placed')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (code, order_id)
);
CREATE INDEX coupon_redemptions_order_idx ON coupon_redemptions (order_id);

-- How many orders may use one code: fixed when the code is issued (JOURNEYS_CONFIG_FILE
-- coupons.maxRedemptions), so a later change of the setting never changes a code in the wild.
ALTER TABLE coupons ADD COLUMN max_redemptions integer NOT NULL DEFAULT 1 CHECK (max_redemptions >= 1);

-- The message that carried a code: attribution credits a redeemed code's order to it, ahead of
-- last touch. Set by the send path when it issues (or reuses) the coupon for a message.
ALTER TABLE messages ADD COLUMN coupon_code text;
CREATE INDEX messages_coupon_code_idx ON messages (coupon_code) WHERE coupon_code IS NOT NULL;

-- The codes an order.placed said were used (whether or not they were valid to redeem).
ALTER TABLE orders ADD COLUMN coupon_codes text[] NOT NULL DEFAULT '{}';
