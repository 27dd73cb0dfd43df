-- Erasure runs twice: at the request, and once more after every relay lease the customer's
-- events held at that moment has run out (an event already leased may still be dispatched,
-- and a send already in flight may still finish). The second pass is due at
-- erasure_sweep_due_at and done when erasure_swept_at is set; a restarted API picks it up.
ALTER TABLE customers ADD COLUMN erasure_sweep_due_at timestamptz;
ALTER TABLE customers ADD COLUMN erasure_swept_at timestamptz;
CREATE INDEX customers_erasure_sweep_idx ON customers (erasure_sweep_due_at)
  WHERE erasure_sweep_due_at IS NOT NULL AND erasure_swept_at IS NULL;

-- Signed links carry the customer's link epoch; erasure bumps it, so links mailed before an
-- erasure stop working, also when the shop reuses the id for someone else.
ALTER TABLE customers ADD COLUMN link_epoch integer NOT NULL DEFAULT 0;
