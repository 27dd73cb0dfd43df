-- The dispatch queue lives in the events table.
--
-- Per-customer order: at most one undispatched event of a customer is "head of line" and
-- claimable; the next one becomes head only when it is dispatched (or, dead-lettered, released
-- after the hold). Every change of a customer's line (insert, dispatch, release, retry, erasure)
-- holds the customer's dispatch lock, so an event committed late can never be overtaken.
--
-- Lanes: 0 = what the customer is waiting for (order lifecycle, sign-up), 1 = the rest. The
-- claim takes lane 0 first; a head inherits lane 0 while a transactional event of its customer
-- waits behind it, so the customer's own earlier events go ahead of other customers' backlog too.
--
-- Leases and backoff live in columns no index reads, so a claim or a retry is a HOT update and
-- leaves no dead index entries behind: the claim costs the same at any backlog.

ALTER TABLE events
  ADD COLUMN lane smallint NOT NULL DEFAULT 1,
  ADD COLUMN head_of_line boolean NOT NULL DEFAULT false,
  ADD COLUMN leased_until timestamptz,
  ADD COLUMN dead_lettered_at timestamptz;
-- Room on each page for the HOT updates of lease and backoff.
ALTER TABLE events SET (fillfactor = 85);

DROP INDEX events_pending_idx;
-- The claim's ORDER BY, over heads only: one entry per customer with work.
CREATE INDEX events_claim_idx ON events (lane, seq) WHERE head_of_line AND dispatched_at IS NULL AND dead_lettered_at IS NULL;
CREATE INDEX events_customer_pending_idx ON events (customer_id, seq) WHERE dispatched_at IS NULL;
CREATE INDEX events_customer_head_idx ON events (customer_id) WHERE head_of_line AND dispatched_at IS NULL;
CREATE INDEX events_customer_transactional_idx ON events (customer_id) WHERE lane = 0 AND dispatched_at IS NULL AND dead_lettered_at IS NULL;
CREATE INDEX events_dead_letters_idx ON events (dead_lettered_at) WHERE dead_lettered_at IS NOT NULL AND dispatched_at IS NULL;
CREATE INDEX events_pending_seq_idx ON events (seq) WHERE dispatched_at IS NULL AND dead_lettered_at IS NULL;

-- Events waiting when this migration runs: the event types of the transactional lane as the
-- routing table had them then, and each customer's oldest waiting event as head.
UPDATE events SET lane = 0
 WHERE dispatched_at IS NULL AND type IN ('customer.created', 'order.placed', 'order.shipped', 'order.delivered');
UPDATE events e SET head_of_line = true
  FROM (SELECT DISTINCT ON (customer_id) id FROM events WHERE dispatched_at IS NULL ORDER BY customer_id, seq) h
 WHERE e.id = h.id;
UPDATE events e SET lane = 0
 WHERE e.head_of_line AND e.dispatched_at IS NULL AND e.lane <> 0
   AND EXISTS (SELECT 1 FROM events t WHERE t.customer_id = e.customer_id AND t.dispatched_at IS NULL AND t.lane = 0);

-- The customers' dispatch locks, taken in one global order (by key) so that two transactions
-- locking overlapping sets of customers never deadlock. 4040 keeps them apart from other
-- advisory locks.
CREATE FUNCTION journeys_lock_customers(customers text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(4040, k) FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest(customers) c ORDER BY 1) s;
END $$;

-- Make each customer's oldest waiting (not dead-lettered) event head of line when the
-- customer has none. Caller holds the customers' dispatch locks.
CREATE FUNCTION journeys_promote_heads(customers text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE events e SET head_of_line = true,
         lane = CASE WHEN EXISTS (SELECT 1 FROM events t WHERE t.customer_id = e.customer_id AND t.lane = 0
                                     AND t.dispatched_at IS NULL AND t.dead_lettered_at IS NULL) THEN 0 ELSE e.lane END
    FROM (SELECT DISTINCT c FROM unnest(customers) c) c(customer_id)
    CROSS JOIN LATERAL (SELECT p.id FROM events p
                         WHERE p.customer_id = c.customer_id AND p.dispatched_at IS NULL AND p.dead_lettered_at IS NULL
                         ORDER BY p.seq LIMIT 1) n
   WHERE e.id = n.id
     AND NOT EXISTS (SELECT 1 FROM events h WHERE h.customer_id = c.customer_id AND h.head_of_line AND h.dispatched_at IS NULL);
END $$;

-- Store events in the order given. Each statement here takes a fresh snapshot after the locks,
-- so it sees every earlier event of these customers that committed while it waited.
-- `routed` false = the event reaches no journey: stored as dispatched, it never queues.
-- Returns the ids stored now (a repeated id is not returned).
CREATE FUNCTION journeys_enqueue_events(
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
  UPDATE events e SET lane = 0
   WHERE e.customer_id IN (SELECT c FROM unnest(customers, lanes, routed) AS t(c, l, r) WHERE l = 0 AND r)
     AND e.head_of_line AND e.dispatched_at IS NULL AND e.lane <> 0;

  -- An id stored by a concurrent request for another customer: make sure no line lost its head.
  IF coalesce(array_length(stored, 1), 0) < fresh_count THEN
    PERFORM journeys_promote_heads(customers);
  END IF;
  RETURN QUERY SELECT unnest(coalesce(stored, '{}'::text[]));
END $$;

-- The relay delivered these events: mark them and give each customer's line its next head.
CREATE FUNCTION journeys_complete_events(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  touched text[];
BEGIN
  PERFORM journeys_lock_customers(array_agg(DISTINCT customer_id)) FROM events WHERE id = ANY(ids);
  WITH done AS (
    UPDATE events SET dispatched_at = now(), head_of_line = false, leased_until = NULL, dispatch_error = NULL
     WHERE id = ANY(ids) AND dispatched_at IS NULL
    RETURNING customer_id
  )
  SELECT array_agg(DISTINCT customer_id) INTO touched FROM done;
  IF touched IS NOT NULL THEN
    PERFORM journeys_promote_heads(touched);
  END IF;
END $$;

-- Dead letters held longer than the hold let their customers' later events go on. The dead
-- event stays listed (and retryable); it is no longer head of line.
CREATE FUNCTION journeys_release_dead_letters(hold interval) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  held text[];
BEGIN
  SELECT array_agg(DISTINCT customer_id) INTO held FROM events
   WHERE dead_lettered_at IS NOT NULL AND dispatched_at IS NULL AND head_of_line AND dead_lettered_at <= now() - hold;
  IF held IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM journeys_lock_customers(held);
  UPDATE events SET head_of_line = false
   WHERE customer_id = ANY(held) AND dead_lettered_at IS NOT NULL AND dispatched_at IS NULL AND head_of_line
     AND dead_lettered_at <= now() - hold;
  PERFORM journeys_promote_heads(held);
  RETURN array_length(held, 1);
END $$;

-- Give a dead-lettered event a fresh set of attempts. Still head of line (within its hold), it
-- is due at once; released, it joins the back of its customer's line.
CREATE FUNCTION journeys_retry_dead_letter(event_id text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  customer text;
BEGIN
  SELECT customer_id INTO customer FROM events WHERE id = event_id AND dead_lettered_at IS NOT NULL AND dispatched_at IS NULL;
  IF customer IS NULL THEN
    RETURN false;
  END IF;
  PERFORM journeys_lock_customers(ARRAY[customer]);
  UPDATE events SET dead_lettered_at = NULL, dispatch_attempts = 0, next_attempt_at = now(), leased_until = NULL,
         seq = CASE WHEN head_of_line THEN seq ELSE nextval(pg_get_serial_sequence('events', 'seq')) END
   WHERE id = event_id AND dead_lettered_at IS NOT NULL AND dispatched_at IS NULL;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM journeys_promote_heads(ARRAY[customer]);
  RETURN true;
END $$;
