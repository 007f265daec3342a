-- Events for a disabled endpoint are recorded for it as 'held': never sent while it is disabled, not released by
-- re-enabling it unless asked (releaseHeld), replayable by time window, pruned after retention.heldFor.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'held'));
-- the pruner finds old held rows; only held rows are in it, so claims for enabled endpoints never write it
CREATE INDEX deliveries_held_idx ON deliveries (created_at) WHERE status = 'held';
