-- Back-in-stock subscriptions: who waits for which product, oldest first. The back-in-stock
-- journey owns a row's lifecycle (waiting → notifying → notified | expired | cancelled);
-- requested_at is both the queue position for restock batches and the row's version, so a
-- journey that finishes late never overwrites a newer request for the same product.
CREATE TABLE back_in_stock_subscriptions (
  customer_id   text NOT NULL,
  product_id    text NOT NULL,
  requested_at  timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'notifying', 'notified', 'expired', 'cancelled')),
  status_reason text,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, product_id)
);
CREATE INDEX back_in_stock_queue_idx ON back_in_stock_subscriptions (product_id, requested_at) WHERE status = 'waiting';
