-- Headers a receiver wants on every delivery: sealed like secrets (AES-GCM under the master key named by
-- custom_headers_key_id, bound to the endpoint), and their names with each value's last four characters for reads.
ALTER TABLE endpoints ADD COLUMN custom_headers bytea;
ALTER TABLE endpoints ADD COLUMN custom_headers_key_id text;
ALTER TABLE endpoints ADD COLUMN custom_header_hints jsonb;
