-- The backlog gauge reads the age of the oldest pending delivery every few seconds. Without an index that meant
-- reading every pending row; with a large backlog (a receiver down) that scan ran every 5 s and showed up in the
-- healthy endpoints' p99. created_at only grows, so new entries go to the index's right edge, and a delivered row
-- leaves it.
CREATE INDEX deliveries_pending_age_idx ON deliveries (created_at) WHERE status = 'pending';
