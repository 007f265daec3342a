-- A fan-out whose every endpoint succeeded in one outcome batch is recorded as one row, not as a deliveries row per
-- endpoint (#13 part 3: successes per outcome batch). The outcome statement (DeliverySql.RECORD_DELIVERED) deletes
-- the fan-out and appends this row: one heap tuple and two index entries per event, where four appended delivered
-- rows cost four tuples, eight index entries and four speculative-insertion checks (PostgreSQL spent 2.4x a claim's
-- execution time on that statement). A fan-out finished across several batches, or after a failure, keeps the
-- row-per-delivery form. Rows are never updated; retention deletes them with their event.
CREATE TABLE delivered_fanouts (
    tenant_id       text        NOT NULL,
    event_id        text        NOT NULL,
    -- aligned arrays, one element per endpoint
    endpoints       text[]      NOT NULL,
    status_codes    integer[]   NOT NULL,
    latencies_ms    integer[]   NOT NULL,
    -- the first KiB of each receiver's answer
    response_bodies text[]      NOT NULL,
    -- the fan-out's last attempt: one time for every endpoint, so that an endpoint's successes can be read newest
    -- first along an index (they differ by the few milliseconds between the attempts of one event)
    delivered_at    timestamptz NOT NULL,
    -- the event's claim time, as created_at of a delivery
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
-- an endpoint's last success and its attempts log, newest first (the endpoint is filtered from the arrays)
CREATE INDEX delivered_fanouts_time_idx ON delivered_fanouts (tenant_id, delivered_at);

-- Each endpoint of a delivered fan-out that no row has replaced (a replay turns the endpoint's delivery into a row).
CREATE VIEW fanout_successes AS
SELECT c.tenant_id, c.event_id, x.endpoint_id, c.delivered_at, x.status_code, x.latency_ms, x.response_body,
       c.created_at
FROM delivered_fanouts c
CROSS JOIN LATERAL unnest(c.endpoints, c.status_codes, c.latencies_ms, c.response_bodies)
  AS x(endpoint_id, status_code, latency_ms, response_body)
WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.tenant_id = c.tenant_id AND d.event_id = c.event_id AND d.endpoint_id = x.endpoint_id);

-- Every success: a delivered row, or an endpoint of a delivered fan-out. Reads of successes go through it.
CREATE VIEW successes AS
SELECT tenant_id, event_id, endpoint_id, attempt_count, delivered_at, last_status_code, last_latency_ms,
       last_response_body, created_at
FROM deliveries WHERE status = 'delivered'
UNION ALL
SELECT tenant_id, event_id, endpoint_id, 1, delivered_at, status_code, latency_ms, response_body, created_at
FROM fanout_successes;

-- V16's view, with the delivered fan-outs' endpoints as delivered (attempt 1)
CREATE OR REPLACE VIEW delivery_states AS
SELECT tenant_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, lease_owner, lease_until,
       last_status_code, last_error, created_at, delivered_at, last_latency_ms, last_response_body, retry_base
FROM deliveries
UNION ALL
SELECT f.tenant_id, f.event_id, x.endpoint_id, 'pending', 0, f.created_at, f.lease_owner, f.lease_until,
       NULL::integer, NULL::text, f.created_at, NULL::timestamptz, NULL::integer, NULL::text, 0
FROM fanouts f CROSS JOIN LATERAL unnest(f.endpoints) AS x(endpoint_id)
WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.tenant_id = f.tenant_id AND d.event_id = f.event_id AND d.endpoint_id = x.endpoint_id)
UNION ALL
SELECT tenant_id, event_id, endpoint_id, 'delivered', 1, delivered_at, NULL::text, NULL::timestamptz, status_code,
       NULL::text, created_at, delivered_at, latency_ms, response_body, 0
FROM fanout_successes;
