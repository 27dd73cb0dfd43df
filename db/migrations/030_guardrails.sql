-- Guardrails: the frequency cap counts marketing rows by the time their slot was claimed
-- (a 'pending' row has no sent_at yet, and a concurrent send must still see it).
ALTER TABLE messages ADD COLUMN claimed_at timestamptz;
UPDATE messages SET claimed_at = sent_at WHERE status = 'sent';
CREATE INDEX messages_marketing_claimed_idx ON messages (customer_id, claimed_at)
  WHERE category = 'marketing' AND status IN ('sent', 'pending');

-- Resend reports hard (Permanent) and soft (Transient) bounces; only hard ones suppress.
ALTER TABLE messages ADD COLUMN bounce_type text CHECK (bounce_type IN ('hard', 'soft'));

CREATE INDEX suppressions_created_idx ON suppressions (created_at DESC, email);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, created_at);
