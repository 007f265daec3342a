-- Replays restart the retry schedule: retries are counted from the attempt a replay began at.
ALTER TABLE deliveries ADD COLUMN retry_base integer NOT NULL DEFAULT 0;

-- the dead-letter view and replay windows select one endpoint's deliveries by status and time
CREATE INDEX deliveries_endpoint_status_idx ON deliveries (tenant_id, endpoint_id, status, created_at);
CREATE INDEX deliveries_status_idx ON deliveries (tenant_id, status, event_id);

-- a replay request is claimed once per (tenant, Idempotency-Key), like an event
CREATE TABLE replay_requests (
    tenant_id        text        NOT NULL,
    idempotency_key  text        NOT NULL,
    endpoint_id      text        NOT NULL,
    request_sha256   bytea       NOT NULL,
    requeued         integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);
