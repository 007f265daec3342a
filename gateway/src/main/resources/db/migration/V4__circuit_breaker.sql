-- Per-endpoint circuit breaker, shared by every gateway process through the endpoint row.
ALTER TABLE endpoints ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN circuit_opens integer NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN circuit_open_until timestamptz;
