-- Journeys the shop switched off or on at run time (POST /v1/journeys/:name/pause, /resume).
-- A journey without a row follows its `enabled` setting in JOURNEYS_CONFIG_FILE (default: on).
-- Every API process (dispatch: no new runs) and every worker (send path: a paused journey's
-- sends are skipped, `journey_paused`) reads this table, so a change applies everywhere within
-- the readers' cache time (about a second).
CREATE TABLE journey_controls (
  journey     text PRIMARY KEY,
  paused      boolean NOT NULL,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  -- 'api' for the REST calls; a forced pause of a transactional journey says so
  changed_by  text NOT NULL DEFAULT 'api',
  forced      boolean NOT NULL DEFAULT false
);
