-- The happy path writes once to accept and once, batched, to finish (#13 part 3). The claim no longer inserts a
-- deliveries row per endpoint for the deliveries it leases to its own process: it inserts one fanouts row naming
-- those endpoints, leased together. A success is then one deliveries row appended by the outcome batch (status
-- 'delivered', never updated), and anything else (a failure, a lease given back, a rate deferral, shutdown) first
-- turns the delivery into a pending row under the same lease, handled as before. Pollers lease fan-outs nobody
-- holds (claimed by an ingest-only process, given back at shutdown, or lapsed: their process died) as fan-outs.
--
-- Existing rows, pending ones included, are already in the row-per-delivery form the gateway keeps for everything
-- but in-flight fresh work, so nothing is rewritten.
CREATE TABLE fanouts (
    tenant_id    text        NOT NULL,
    event_id     text        NOT NULL,
    -- every endpoint leased at claim time; one without a deliveries row is still owed
    endpoints    text[]      NOT NULL,
    -- null: nobody's yet (an ingest-only process claimed it, or its process gave it back); any poller takes a
    -- fan-out whose lease_until has passed
    lease_owner  text,
    lease_until  timestamptz NOT NULL,
    -- the event's claim time: the deliveries rows made from it keep it as their created_at
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
-- the pollers' scan; rows live only until every endpoint of the fan-out has its row
CREATE INDEX fanouts_lease_idx ON fanouts (lease_until);

-- What the API, the dead-letter view, the backlog gauge and retention read: every delivery, with a fan-out's
-- endpoints that have no row yet shown as pending (attempt 0, leased to the fan-out's owner). Writers use the
-- tables. Predicates on tenant_id and event_id reach both branches.
CREATE VIEW delivery_states AS
SELECT tenant_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, lease_owner, lease_until,
       last_status_code, last_error, created_at, delivered_at, last_latency_ms, last_response_body, retry_base
FROM deliveries
UNION ALL
SELECT f.tenant_id, f.event_id, x.endpoint_id, 'pending', 0, f.created_at, f.lease_owner, f.lease_until,
       NULL::integer, NULL::text, f.created_at, NULL::timestamptz, NULL::integer, NULL::text, 0
FROM fanouts f CROSS JOIN LATERAL unnest(f.endpoints) AS x(endpoint_id)
WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.tenant_id = f.tenant_id AND d.event_id = f.event_id AND d.endpoint_id = x.endpoint_id);
