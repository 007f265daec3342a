-- Since when the endpoint has failed without a single success; an endpoint failing for too long is disabled.
ALTER TABLE endpoints ADD COLUMN failing_since timestamptz;
