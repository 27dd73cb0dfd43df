-- Repairs to the held starts of 132, from its review:
-- * A due event's id is opaque (`journey.due:<uuid>`): no customer id inside an event id (erasure
--   renames nothing it does not know of), and nothing a shop's own event id can collide with.
-- * A hold whose due event was dispatched without starting the journey (an older replica during a
--   rolling deploy, which knows no route for it and marks it done) is due again a minute later,
--   under a new id. A due event that was dead-lettered is left alone: it is listed, counted and
--   retried like any dead letter, and its retry starts the journey.
-- * The arrays come from one ordered set (ties broken by workflow id), so they line up.
CREATE OR REPLACE FUNCTION journeys_enqueue_due_starts(max_rows int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
  workflows text[];
  customers text[];
  props jsonb[];
  n int;
BEGIN
  WITH due AS (
    SELECT h.workflow_id, h.customer_id, h.journey, h.due_at, 'journey.due:' || gen_random_uuid() AS id
      FROM held_starts h
     WHERE h.due_at <= now()
       AND (h.due_event_id IS NULL
            OR (h.due_at <= now() - interval '1 minute'
                AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = h.due_event_id AND e.dispatched_at IS NULL)))
     ORDER BY h.due_at, h.workflow_id
     LIMIT max_rows
       FOR UPDATE OF h SKIP LOCKED
  )
  SELECT array_agg(d.id ORDER BY d.due_at, d.workflow_id),
         array_agg(d.workflow_id ORDER BY d.due_at, d.workflow_id),
         array_agg(d.customer_id ORDER BY d.due_at, d.workflow_id),
         array_agg(jsonb_build_object('journey', d.journey, 'workflowId', d.workflow_id) ORDER BY d.due_at, d.workflow_id)
    INTO ids, workflows, customers, props
    FROM due d;
  n := coalesce(cardinality(ids), 0);
  IF n = 0 THEN RETURN 0; END IF;
  PERFORM journeys_enqueue_events(ids, array_fill('journey.due'::text, ARRAY[n]), customers,
                                  array_fill(now(), ARRAY[n]), props, array_fill(1::smallint, ARRAY[n]), array_fill(true, ARRAY[n]));
  UPDATE held_starts h SET due_event_id = t.id FROM unnest(workflows, ids) AS t(workflow_id, id) WHERE h.workflow_id = t.workflow_id;
  RETURN n;
END $$;
