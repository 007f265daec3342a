-- A successful attempt is recorded on its delivery row (status 'delivered', delivered_at, last_status_code and
-- now last_latency_ms), no longer also as a delivery_attempts row: one row write per success instead of two, and
-- successes are nearly every attempt. delivery_attempts keeps the failed attempts, and a success once a replay
-- sends its delivery again (the replay archives it there first).
ALTER TABLE deliveries ADD COLUMN last_latency_ms integer;

-- The endpoint view reads an endpoint's last success from its delivered rows.
CREATE INDEX deliveries_delivered_idx ON deliveries (tenant_id, endpoint_id, delivered_at) WHERE status = 'delivered';
