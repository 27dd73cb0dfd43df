-- The enqueue function without work it does not need: the lane of an existing head is only
-- looked at when a transactional event arrives. Same contract as before.
CREATE OR REPLACE FUNCTION journeys_enqueue_events(
  ids text[], types text[], customers text[], occurred timestamptz[], props jsonb[], lanes smallint[], routed boolean[]
) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  fresh_count int;
  stored text[];
BEGIN
  PERFORM journeys_lock_customers(customers);
  WITH incoming AS (
    SELECT * FROM unnest(ids, types, customers, occurred, props, lanes, routed)
             WITH ORDINALITY AS t(id, type, customer_id, occurred_at, properties, lane, routed, n)
  ), fresh AS (
    SELECT DISTINCT ON (i.id) i.* FROM incoming i
     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = i.id)
     ORDER BY i.id, i.n
  ), in_line AS (
    -- customers that already have a line: a head, or a waiting event behind one
    SELECT DISTINCT p.customer_id FROM events p
     WHERE p.customer_id = ANY(customers) AND p.dispatched_at IS NULL
       AND (p.dead_lettered_at IS NULL OR p.head_of_line)
  ), queued AS (
    SELECT f.*,
           f.routed AND f.customer_id NOT IN (SELECT customer_id FROM in_line)
             AND f.n = min(f.n) FILTER (WHERE f.routed) OVER (PARTITION BY f.customer_id) AS head,
           bool_or(f.routed AND f.lane = 0) OVER (PARTITION BY f.customer_id) AS transactional_waits
      FROM fresh f
  ), ins AS (
    INSERT INTO events (id, type, customer_id, occurred_at, properties, lane, head_of_line, dispatched_at)
    SELECT q.id, q.type, q.customer_id, q.occurred_at, q.properties,
           CASE WHEN q.head AND q.transactional_waits THEN 0 ELSE q.lane END,
           q.head, CASE WHEN q.routed THEN NULL ELSE now() END
      FROM queued q ORDER BY q.n
    ON CONFLICT (id) DO NOTHING
    RETURNING events.id
  )
  SELECT array_agg(ins.id), (SELECT count(*) FROM fresh) INTO stored, fresh_count FROM ins;

  -- A transactional event behind an existing head lifts that head into lane 0.
  IF 0 = ANY(lanes) THEN
    UPDATE events e SET lane = 0
     WHERE e.customer_id = ANY(ARRAY(SELECT c FROM unnest(customers, lanes, routed) AS t(c, l, r) WHERE l = 0 AND r))
       AND e.head_of_line AND e.dispatched_at IS NULL AND e.lane <> 0;
  END IF;

  -- An id stored by a concurrent request for another customer: make sure no line lost its head.
  IF coalesce(array_length(stored, 1), 0) < fresh_count THEN
    PERFORM journeys_promote_heads(customers);
  END IF;
  RETURN QUERY SELECT unnest(coalesce(stored, '{}'::text[]));
END $$;
