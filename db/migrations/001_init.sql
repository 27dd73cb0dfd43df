-- Journeys schema v1. Never edit a migration that has landed: add a new file.

CREATE TABLE customers (
  id                 text PRIMARY KEY,
  email              text,
  first_name         text,
  timezone           text,
  locale             text,
  birthday           date,
  marketing_consent  boolean NOT NULL DEFAULT false,
  consent_source     text,
  consent_at         timestamptz,
  unsubscribed_at    timestamptz,
  unengaged_at       timestamptz,
  erased_at          timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_email_idx ON customers (lower(email));

-- Every accepted event, stored before anything else happens; the relay dispatches rows whose
-- dispatched_at is null, in seq order.
CREATE TABLE events (
  seq               bigserial UNIQUE,
  id                text PRIMARY KEY,
  type              text NOT NULL,
  customer_id       text NOT NULL,
  occurred_at       timestamptz NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now(),
  properties        jsonb NOT NULL DEFAULT '{}',
  dispatched_at     timestamptz,
  dispatch_attempts integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  dispatch_error    text
);
CREATE INDEX events_pending_idx ON events (next_attempt_at, seq) WHERE dispatched_at IS NULL;
CREATE INDEX events_customer_idx ON events (customer_id, occurred_at);

CREATE TABLE products (
  id                   text PRIMARY KEY,
  title                text NOT NULL,
  price                numeric(12, 2) NOT NULL,
  currency             text NOT NULL DEFAULT 'EUR',
  url                  text NOT NULL,
  image_url            text,
  stock                integer NOT NULL DEFAULT 0,
  related_product_ids  text[] NOT NULL DEFAULT '{}',
  replenish_days       integer,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id               text PRIMARY KEY,
  customer_id      text NOT NULL,
  total            numeric(12, 2) NOT NULL,
  currency         text NOT NULL,
  items            jsonb NOT NULL DEFAULT '[]',
  placed_at        timestamptz NOT NULL,
  shipped_at       timestamptz,
  delivered_at     timestamptz,
  carrier          text,
  tracking_number  text,
  tracking_url     text
);
CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at);

-- The send ledger: one row per (workflow, step, iteration). The unique idempotency key is what
-- makes a retried send activity a no-op once the first attempt reached the provider.
CREATE TABLE messages (
  id                   bigserial PRIMARY KEY,
  idempotency_key      text NOT NULL UNIQUE,
  workflow_id          text NOT NULL,
  journey              text NOT NULL,
  step                 text NOT NULL,
  customer_id          text NOT NULL,
  template             text NOT NULL,
  category             text NOT NULL CHECK (category IN ('transactional', 'marketing')),
  subject              text,
  to_email             text,
  status               text NOT NULL CHECK (status IN ('pending', 'sent', 'skipped', 'deferred', 'failed')),
  skip_reason          text,
  provider_message_id  text,
  links                jsonb NOT NULL DEFAULT '[]',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz,
  delivered_at         timestamptz,
  opened_at            timestamptz,
  clicked_at           timestamptz,
  bounced_at           timestamptz,
  complained_at        timestamptz
);
CREATE INDEX messages_customer_idx ON messages (customer_id, created_at);
CREATE INDEX messages_marketing_sent_idx ON messages (customer_id, sent_at) WHERE category = 'marketing' AND status = 'sent';
CREATE INDEX messages_provider_idx ON messages (provider_message_id);

-- The local mail transport (no RESEND_API_KEY): what would have gone to the provider.
CREATE TABLE outbox (
  id               bigserial PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE,
  provider_id      text NOT NULL UNIQUE,
  to_email         text NOT NULL,
  from_email       text NOT NULL,
  subject          text NOT NULL,
  html             text NOT NULL,
  text             text NOT NULL,
  headers          jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE coupons (
  code          text PRIMARY KEY,
  issue_key     text NOT NULL UNIQUE,
  customer_id   text NOT NULL,
  journey       text NOT NULL,
  percent_off   integer NOT NULL,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  redeemed_at   timestamptz
);
CREATE INDEX coupons_customer_idx ON coupons (customer_id);

CREATE TABLE suppressions (
  email       text PRIMARY KEY,
  reason      text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'manual')),
  source      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_events (
  svix_id      text PRIMARY KEY,
  type         text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- Erasure leaves a trace without PII: which id was erased and when.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  action      text NOT NULL,
  subject     text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
