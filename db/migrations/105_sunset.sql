-- Sunset for every marketing recipient (workflows/sunset.ts, workflows/sunset-sweep.ts).
-- The sunset email's "yes, keep me" button is a person's click of that message, recorded like
-- any click but from its own confirmed page: a new engagement source.
ALTER TABLE message_engagements DROP CONSTRAINT message_engagements_source_check;
ALTER TABLE message_engagements ADD CONSTRAINT message_engagements_source_check
  CHECK (source IN ('pixel', 'redirect', 'resend', 'keep-link'));

-- The sweep reads, per customer, the time of the first marketing mail and of the last win-back
-- (messages_marketing_sent_idx covers the first; this the second).
CREATE INDEX messages_win_back_sent_idx ON messages (customer_id, sent_at) WHERE journey = 'win-back' AND status = 'sent';
