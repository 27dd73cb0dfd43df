-- What a retried send needs to stay safe:
-- payload   the email exactly as rendered at claim time; a retry sends these bytes, never a
--           re-render (a re-render can change content, and the provider refuses a reused key
--           with a different body);
-- delivery  what we know of the provider: NULL = not handed over yet (certainly not sent),
--           'in_doubt' = handed over, answer unknown (only the same key and bytes may follow),
--           'refused' = the provider definitely did not accept the last attempt (a retry
--           re-checks consent, suppression, erasure and the journey's exit first);
-- refusals  how many attempts the provider definitely refused (bounded).
-- 'unconfirmed': handed over, never confirmed, and the provider's idempotency window has passed.
ALTER TABLE messages ADD COLUMN payload jsonb;
ALTER TABLE messages ADD COLUMN delivery text CHECK (delivery IN ('in_doubt', 'refused'));
ALTER TABLE messages ADD COLUMN refusals integer NOT NULL DEFAULT 0;
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
  CHECK (status IN ('pending', 'sent', 'skipped', 'deferred', 'failed', 'unconfirmed'));
-- Rows claimed before this migration may have reached the provider.
UPDATE messages SET delivery = 'in_doubt' WHERE status = 'pending';
