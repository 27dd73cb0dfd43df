-- Journeys held back until the customer is quiet (ingest/held-starts.ts). A journey whose first
-- step only waits for quiet after the latest event (abandoned cart, browse abandonment) gets no
-- workflow while the customer is still active: its start events wait here, each new one pushes
-- the due time back, and an exit (an order, a checkout, an emptied cart) deletes the row — a
-- cart that is bought within the wait never costs a Temporal call.
--
-- When the wait is over, the relay puts a `journey.due` event into the customer's line
-- (journeys_enqueue_due_starts); dispatching it in its turn starts the workflow with the held
-- events. So a customer's events still reach the journey in line order: an order stored before
-- the due event is dispatched first and deletes the row, and the due event then starts nothing.
CREATE TABLE held_starts (
  workflow_id text PRIMARY KEY,
  journey text NOT NULL,
  customer_id text NOT NULL,
  -- the start events held, in line order (the newest last; bounded by the relay)
  events jsonb NOT NULL,
  -- when the newest of them was dispatched: the journey's quiet clock starts here
  quiet_since timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  -- the journey.due event enqueued for this due time; NULL until the wait is over
  due_event_id text
);
CREATE INDEX held_starts_due_idx ON held_starts (due_at) WHERE due_event_id IS NULL;
CREATE INDEX held_starts_customer_idx ON held_starts (customer_id);

-- Put a journey.due event into the line of up to max_rows customers whose wait is over. Its id
-- names the workflow and the due time: a row pushed back by a newer event gets a new one, and
-- the superseded event finds the row's due_event_id changed and starts nothing.
CREATE FUNCTION journeys_enqueue_due_starts(max_rows int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
  workflows text[];
  customers text[];
  props jsonb[];
  n int;
BEGIN
  SELECT array_agg('journey.due:' || d.workflow_id || ':' || (extract(epoch FROM d.due_at) * 1000)::bigint ORDER BY d.due_at),
         array_agg(d.workflow_id ORDER BY d.due_at),
         array_agg(d.customer_id ORDER BY d.due_at),
         array_agg(jsonb_build_object('journey', d.journey, 'workflowId', d.workflow_id) ORDER BY d.due_at)
    INTO ids, workflows, customers, props
    FROM (SELECT * FROM held_starts WHERE due_event_id IS NULL AND due_at <= now()
           ORDER BY due_at LIMIT max_rows FOR UPDATE SKIP LOCKED) d;
  n := coalesce(cardinality(ids), 0);
  IF n = 0 THEN RETURN 0; END IF;
  PERFORM journeys_enqueue_events(ids, array_fill('journey.due'::text, ARRAY[n]), customers,
                                  array_fill(now(), ARRAY[n]), props, array_fill(1::smallint, ARRAY[n]), array_fill(true, ARRAY[n]));
  UPDATE held_starts h SET due_event_id = t.id FROM unnest(workflows, ids) AS t(workflow_id, id) WHERE h.workflow_id = t.workflow_id;
  RETURN n;
END $$;
