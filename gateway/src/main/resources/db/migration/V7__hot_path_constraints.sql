-- The ingest and delivery hot paths write events, deliveries and delivery_attempts thousands of times a second.
-- Their foreign keys cost a lookup per row, and the one from deliveries to endpoints also took a FOR KEY SHARE
-- lock on the endpoint row from every concurrent claim (multixacts on a few hot rows). Integrity does not depend
-- on them: deliveries are only ever inserted by the claim statement, from the event it inserted and the endpoints
-- it read; endpoints and tenants are never deleted (endpoints are soft-deleted); retention deletes attempts, then
-- deliveries, then events. Citus also distributes simpler without cross-table constraints.
ALTER TABLE events DROP CONSTRAINT events_tenant_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_tenant_id_event_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_tenant_id_endpoint_id_fkey;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_tenant_id_event_id_endpoint_id_fkey;

-- Leases are looked up by owner only when a process shuts down; that scan can use the pending index instead of
-- every lease change writing an index entry.
DROP INDEX deliveries_lease_idx;


-- The status indexes leave delivered rows out: most deliveries go pending -> delivered once and are never looked up
-- by status again, so a successful delivery writes no entry into them. It also keeps the hot per-delivery lookups
-- on the primary key: these indexes can serve a query only when it names a status other than 'delivered'.
DROP INDEX deliveries_endpoint_status_idx;
CREATE INDEX deliveries_endpoint_status_idx ON deliveries (tenant_id, endpoint_id, status, created_at)
    WHERE status <> 'delivered';
DROP INDEX deliveries_status_idx;
CREATE INDEX deliveries_status_idx ON deliveries (tenant_id, status, event_id) WHERE status <> 'delivered';
