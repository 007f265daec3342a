-- A closed circuit's backlog is released until no waiting row is left that the release has not attempted
-- (DeliverySql.LEASE_RELEASED), instead of past a creation-time cursor: a row behind the cursor whose lease came back
-- unused (a full lane, a shutdown, a process that died) waited out its parked hour. The failure write stamps the
-- attempt; the probe's success write stamps the release's start. Both columns are read only after an index has found
-- the row, so neither is indexed and neither write loses its HOT update for it.
ALTER TABLE deliveries ADD COLUMN last_attempted_at timestamptz;
ALTER TABLE endpoints ADD COLUMN release_started_at timestamptz;
ALTER TABLE endpoints DROP COLUMN release_after_at;
