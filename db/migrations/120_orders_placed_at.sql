-- The welcome series' last nudge counts the bestsellers of the last 30 days
-- (activities/welcome-nudge.ts): orders by time, for every customer. The only index on orders
-- led with customer_id, so each count read every order ever placed.
--
-- Migrations run in a transaction (db/migrate.ts), where CREATE INDEX CONCURRENTLY is refused:
-- this build blocks writes to orders while it runs (order events wait; none is lost). On a large
-- orders table, create the index by hand before deploying, without blocking writes:
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_placed_at_idx ON orders (placed_at);
-- and this migration finds it and does nothing.
CREATE INDEX IF NOT EXISTS orders_placed_at_idx ON orders (placed_at);
