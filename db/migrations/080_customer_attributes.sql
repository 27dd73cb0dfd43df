-- Custom profile attributes (tier, favoriteCategory, …): a bounded map the shop sends with
-- customer.created/updated or PUT /v1/customers/:id, merged key by key, last writer wins by
-- occurredAt (each key's version lives in profile_at as "attributes.<key>"). Erasure empties it.
ALTER TABLE customers ADD COLUMN IF NOT EXISTS attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
