-- Journeys the relay has started (by workflow id). A signal can only matter to a journey that
-- was started, so the relay skips signals to ids not recorded here: one Temporal call fewer
-- for every order of a customer who never had a cart, a form or a birthday journey.
-- Customers with events from before this record existed are not tracked: every signal of
-- theirs is sent, as before.
CREATE TABLE journey_instances (
  workflow_id  text PRIMARY KEY,
  started_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE journey_untracked_customers (
  customer_id  text PRIMARY KEY
);
INSERT INTO journey_untracked_customers (customer_id) SELECT DISTINCT customer_id FROM events;

-- Completion records the journeys these events started, in the same transaction.
CREATE FUNCTION journeys_complete_events(ids text[], started text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(array_length(started, 1), 0) > 0 THEN
    INSERT INTO journey_instances (workflow_id) SELECT DISTINCT unnest(started) ON CONFLICT (workflow_id) DO NOTHING;
  END IF;
  PERFORM journeys_complete_events(ids);
END $$;
