-- Every open and click we hear of (open pixel, click redirect, Resend webhook), human or
-- machine. messages.opened_at / clicked_at keep the first *human* open and click (what stats,
-- win-back and sunset count); a machine's go to machine_opened_at / machine_clicked_at.
-- No customer id or address here: a row names the message only.
CREATE TABLE message_engagements (
  id              bigserial PRIMARY KEY,
  message_id      bigint NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('open', 'click')),
  at              timestamptz NOT NULL,
  source          text NOT NULL CHECK (source IN ('pixel', 'redirect', 'resend')),
  -- which link of the message ('#<index>' of messages.links), for clicks we can place
  link            text,
  machine_reason  text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_engagements_message_idx ON message_engagements (message_id, kind, at);

ALTER TABLE messages ADD COLUMN machine_opened_at timestamptz;
ALTER TABLE messages ADD COLUMN machine_clicked_at timestamptz;
