-- Steps that only one of a customer's overlapping journeys may take within a window: two
-- orders a day apart get one post-purchase thank-you, not two. A journey claims the step
-- before sending and releases the claim when the message did not go out, so another order's
-- journey may take it. The per-customer advisory lock in the claim activity makes the check
-- and the insert atomic; the unique key makes a retried claim a no-op.
CREATE TABLE step_claims (
  id           bigserial PRIMARY KEY,
  customer_id  text NOT NULL,
  journey      text NOT NULL,
  step         text NOT NULL,
  workflow_id  text NOT NULL,
  claimed_at   timestamptz NOT NULL,
  released_at  timestamptz,
  UNIQUE (workflow_id, step)
);
CREATE INDEX step_claims_customer_idx ON step_claims (customer_id, journey, step, claimed_at);
