-- Restock batches at scale:
-- claim_id    the coordinator batch that took the row ('notifying'): a retried claim with the
--             same id returns the same rows instead of taking more (a lost activity result
--             would otherwise orphan a batch in 'notifying');
-- claimed_at  when it was taken: a row still 'notifying' long after returns to the queue;
-- retry_at    a subscriber whose journey had not started yet when its batch came (the request
--             raced the restock) waits in the queue until then, instead of being expired;
-- requeues    how often that happened: a journey still not running after several batches is
--             gone (not a race), and the subscription expires.
ALTER TABLE back_in_stock_subscriptions ADD COLUMN claim_id text;
ALTER TABLE back_in_stock_subscriptions ADD COLUMN claimed_at timestamptz;
ALTER TABLE back_in_stock_subscriptions ADD COLUMN retry_at timestamptz;
ALTER TABLE back_in_stock_subscriptions ADD COLUMN requeues integer NOT NULL DEFAULT 0;
UPDATE back_in_stock_subscriptions SET claimed_at = updated_at WHERE status = 'notifying';
CREATE INDEX back_in_stock_claim_idx ON back_in_stock_subscriptions (product_id, claim_id) WHERE claim_id IS NOT NULL;
CREATE INDEX back_in_stock_notifying_idx ON back_in_stock_subscriptions (product_id, claimed_at) WHERE status = 'notifying';
