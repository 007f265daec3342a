-- Receiver adoption evidence for the current secret. Both reset whenever the current secret changes.
ALTER TABLE endpoints ADD COLUMN current_confirmed_at timestamptz;
ALTER TABLE endpoints ADD COLUMN current_rejected_at timestamptz;

-- signature rejections (401/403) per endpoint in a recent window, and the last outcome
CREATE INDEX delivery_attempts_endpoint_idx ON delivery_attempts (tenant_id, endpoint_id, attempted_at);

-- the race-pattern flag counts rotation_race_detected per tenant over 24 hours
CREATE INDEX audit_log_kind_idx ON audit_log (tenant_id, kind, created_at);

-- the sweeper finds expired previous secrets
CREATE INDEX endpoints_previous_expiry_idx ON endpoints (previous_expires_at) WHERE previous_expires_at IS NOT NULL;
