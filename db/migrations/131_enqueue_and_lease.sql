-- The API hands the heads it stores to the relay of its own process: the enqueue leases them in
-- the same statement (under the customers' dispatch locks, which journeys_enqueue_events takes
-- and the transaction holds), so the relay dispatches them at once, with no claim of its own.
-- The lease is the claim's lease: no other relay takes the event until it runs out, and a
-- process that dies holding it leaves the event to the next claim after it.
--
-- Leases up to lease_max of the heads stored now (lane 0 first, then in order), none that
-- another relay could already hold. Returns every id stored now, as journeys_enqueue_events
-- does, with the leased ones' rows (the claim's columns; NULL for an event not leased).
CREATE FUNCTION journeys_enqueue_and_lease(
  ids text[], types text[], customers text[], occurred timestamptz[], props jsonb[], lanes smallint[], routed boolean[],
  lease_max int, lease_secs double precision
) RETURNS TABLE (stored_id text, seq bigint, id text, type text, customer_id text, occurred_at timestamptz, received_at timestamptz,
                 properties jsonb, dispatch_attempts int, lane smallint)
LANGUAGE plpgsql AS $$
DECLARE
  stored text[];
BEGIN
  stored := ARRAY(SELECT journeys_enqueue_events(ids, types, customers, occurred, props, lanes, routed));
  RETURN QUERY
  WITH leased AS (
    UPDATE events e SET leased_until = now() + make_interval(secs => lease_secs)
     WHERE e.id IN (SELECT h.id FROM events h
                     WHERE h.id = ANY(stored) AND h.head_of_line AND h.dispatched_at IS NULL AND h.dead_lettered_at IS NULL
                       AND h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
                     ORDER BY h.lane, h.seq LIMIT greatest(lease_max, 0) FOR UPDATE)
    RETURNING e.seq, e.id, e.type, e.customer_id, e.occurred_at, e.received_at, e.properties, e.dispatch_attempts, e.lane
  )
  SELECT s.id, l.seq, l.id, l.type, l.customer_id, l.occurred_at, l.received_at, l.properties, l.dispatch_attempts, l.lane
    FROM unnest(stored) AS s(id) LEFT JOIN leased l ON l.id = s.id;
END $$;
