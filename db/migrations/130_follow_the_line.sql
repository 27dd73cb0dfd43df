-- Complete a dispatched event and, in the same transaction, claim its customer's next head
-- when it is due: the relay goes straight on down one customer's line instead of giving the
-- slot back and waiting for the next claim to find that head among every other customer's.
-- A customer whose order waits behind a cart update reaches Temporal at the speed of its own
-- calls, and each event costs one round trip to the database instead of two.
--
-- max_lane: a slot reserved for the transactional lane only follows a head of lane 0.
-- Returns the claimed row (none when the line is empty, its head not due yet, dead-lettered,
-- or another relay holds it).
CREATE FUNCTION journeys_complete_and_follow(event_id text, started text[], lease_secs double precision, max_lane smallint)
RETURNS TABLE (seq bigint, id text, type text, customer_id text, occurred_at timestamptz, received_at timestamptz,
               properties jsonb, dispatch_attempts int, lane smallint)
LANGUAGE plpgsql AS $$
DECLARE
  customer text;
BEGIN
  SELECT e.customer_id INTO customer FROM events e WHERE e.id = event_id;
  PERFORM journeys_complete_events(ARRAY[event_id], started);
  IF customer IS NULL THEN
    RETURN;
  END IF;
  -- journeys_complete_events took the customer's dispatch lock: the head found here is current.
  RETURN QUERY
  UPDATE events e SET leased_until = now() + make_interval(secs => lease_secs)
   WHERE e.id = (SELECT h.id FROM events h
                  WHERE h.customer_id = customer AND h.head_of_line AND h.dispatched_at IS NULL
                    AND h.dead_lettered_at IS NULL AND h.next_attempt_at <= now()
                    AND (h.leased_until IS NULL OR h.leased_until < now()) AND h.lane <= max_lane
                  LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING e.seq, e.id, e.type, e.customer_id, e.occurred_at, e.received_at, e.properties, e.dispatch_attempts, e.lane;
END $$;
