-- A closed circuit's parked backlog is leased from where it lies (DeliverySql.LEASE_RELEASED) instead of being
-- rewritten as due first: rewriting changed next_attempt_at, an indexed column, so every released row was a non-HOT
-- update with a new entry in five indexes, and in a 440 000-delivery drain that release was the largest share of the
-- database's time (docs/performance.md). The flag is set in the statement that records the probe's success and
-- cleared by the lease that finds nothing left.
ALTER TABLE endpoints ADD COLUMN releasing boolean NOT NULL DEFAULT false;
-- how far the release has got, by creation time: each parked row is released once, so one that fails again follows
-- its retry schedule instead of being leased again by the next poll
ALTER TABLE endpoints ADD COLUMN release_after_at timestamptz;
-- the pollers look for releasing endpoints on every poll; there are few, so a partial index finds them at no cost
CREATE INDEX endpoints_releasing_idx ON endpoints (tenant_id, endpoint_id) WHERE releasing;
