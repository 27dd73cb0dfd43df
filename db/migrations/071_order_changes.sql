-- Cancellations, refunds and returns (order.cancelled, order.refunded, order.returned), one row
-- per event. `items` NULL = the whole order. No customer column: a change belongs to its order
-- (erasure pseudonymises the order's customer; the rows hold ids, amounts and quantities only).
CREATE TABLE order_changes (
  event_id     text PRIMARY KEY,
  order_id     text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('cancelled', 'refunded', 'returned')),
  amount       numeric(12, 2),
  currency     text,
  items        jsonb,
  occurred_at  timestamptz NOT NULL
);
CREATE INDEX order_changes_order_idx ON order_changes (order_id);

-- What VIP standing and the stats count as the order's revenue: total − refunded_total, and
-- nothing for an order cancelled as a whole.
ALTER TABLE orders ADD COLUMN cancelled_at timestamptz;
ALTER TABLE orders ADD COLUMN refunded_total numeric(12, 2) NOT NULL DEFAULT 0;
