-- Profile fields apply last-writer-wins by occurredAt, field by field: profile_at maps each
-- field (email, firstName, timezone, locale, birthday) to when the value in place occurred.
ALTER TABLE customers ADD COLUMN profile_at jsonb NOT NULL DEFAULT '{}';
-- The shop's own consent record, as its profile syncs state it (apart from our effective
-- consent): a sync repeating it changes nothing; only a change of it can re-subscribe.
ALTER TABLE customers ADD COLUMN shop_consent boolean;
ALTER TABLE customers ADD COLUMN shop_consent_at timestamptz;
-- When the customer last re-subscribed through our link (a shop "false" older than it loses).
ALTER TABLE customers ADD COLUMN resubscribed_at timestamptz;
-- Unsubscribed rows keep "the shop says true": the shop's earlier value, repeated, never undoes ours.
UPDATE customers SET shop_consent = CASE WHEN unsubscribed_at IS NOT NULL THEN true ELSE marketing_consent END,
                     shop_consent_at = consent_at
 WHERE consent_at IS NOT NULL;

-- An unsubscribe covers the address, not only the customer id that clicked: a guest id and an
-- account id can share one address. Our re-subscribe link, or a change of the shop's consent
-- to true that occurred after it, removes the row.
CREATE TABLE address_unsubscribes (
  email            text PRIMARY KEY,
  unsubscribed_at  timestamptz NOT NULL,
  source           text NOT NULL
);
INSERT INTO address_unsubscribes (email, unsubscribed_at, source)
SELECT lower(email), min(unsubscribed_at), 'migrated' FROM customers
 WHERE unsubscribed_at IS NOT NULL AND email IS NOT NULL AND erased_at IS NULL
 GROUP BY lower(email);

-- Outbound webhooks to the shop (unsubscribed, re-subscribed, suppressed), written in the
-- transaction that makes the change and drained with backoff: durable across restarts.
CREATE TABLE shop_webhooks (
  id               bigserial PRIMARY KEY,
  webhook_id       text NOT NULL UNIQUE,
  type             text NOT NULL,
  payload          jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  delivered_at     timestamptz,
  gave_up_at       timestamptz
);
CREATE INDEX shop_webhooks_due_idx ON shop_webhooks (next_attempt_at, id) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
