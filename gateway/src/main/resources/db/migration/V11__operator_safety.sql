-- Operator calls (secret changes, probes, endpoint changes) are claimed once per (tenant, Idempotency-Key), in the
-- same transaction as the change they make, so a double-click or a retry through a flaky network repeats the answer
-- instead of the change. The answer is kept without any secret: a rotation's replay re-reads the secret it issued
-- (secret_id) from the endpoint, and only while that secret is still current.
CREATE TABLE operator_requests (
    tenant_id        text        NOT NULL,
    idempotency_key  text        NOT NULL,
    request_sha256   bytea       NOT NULL,
    endpoint_id      text,
    status_code      integer,
    response         jsonb,
    secret_id        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

-- The 401/403 burst alarm: when the current burst was raised (NULL: none), and when the last one ended, so the next
-- burst counts only rejections after it.
ALTER TABLE endpoints ADD COLUMN rejection_burst_at timestamptz;
ALTER TABLE endpoints ADD COLUMN rejection_burst_ended_at timestamptz;
-- The overlap-ending reminder: the previous secret's expiry it was sent for, so it is sent once per expiry (an
-- extension moves the expiry and earns a new reminder).
ALTER TABLE endpoints ADD COLUMN overlap_reminded_for timestamptz;

-- Replay requests are operator requests now (their answer is kept whole, so a retry answers the same window).
DROP TABLE replay_requests;
