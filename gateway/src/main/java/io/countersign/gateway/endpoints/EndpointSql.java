package io.countersign.gateway.endpoints;

final class EndpointSql {
  static final String COLUMNS = """
      endpoint_id, url, event_types, enabled, version, created_at,
      current_secret_id, current_hint, current_created_at,
      previous_secret_id, previous_hint, previous_created_at, previous_expires_at""";

  /** Creates the endpoint and its audit row in one statement. */
  static final String INSERT = """
      WITH ep AS (
        INSERT INTO endpoints (tenant_id, endpoint_id, url, event_types, current_secret_id, current_secret,
                               current_key_id, current_hint, current_created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
        RETURNING *
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_after)
        SELECT tenant_id, endpoint_id, 'endpoint_created', $9, version FROM ep
      )
      SELECT\s""" + COLUMNS + " FROM ep";

  static final String LIST = "SELECT " + COLUMNS
      + " FROM endpoints WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY endpoint_id";

  static final String GET = "SELECT " + COLUMNS
      + " FROM endpoints WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL";

  /** Soft delete, so past deliveries keep their endpoint; pending work to it is closed in the same statement. */
  static final String DELETE = """
      WITH ep AS (
        UPDATE endpoints SET deleted_at = now(), enabled = false
        WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL
        RETURNING tenant_id, endpoint_id, version
      ), closed AS (
        UPDATE deliveries d SET status = 'failed', last_error = 'endpoint deleted', lease_owner = NULL, lease_until = NULL
        FROM ep WHERE d.tenant_id = ep.tenant_id AND d.endpoint_id = ep.endpoint_id AND d.status = 'pending'
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before)
        SELECT tenant_id, endpoint_id, 'endpoint_deleted', $3, version FROM ep
      )
      SELECT endpoint_id FROM ep""";

  private EndpointSql() {}
}
