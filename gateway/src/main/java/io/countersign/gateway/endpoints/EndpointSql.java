package io.countersign.gateway.endpoints;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.secrets.SecretState;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Tuple;

final class EndpointSql {
  private static final String BASE_COLUMNS = """
      e.endpoint_id, e.url, e.event_types, e.enabled, e.version, e.created_at,
      e.current_secret_id, e.current_key_id, e.current_secret, e.current_hint, e.current_created_at,
      e.current_scheme, e.current_public_key,
      e.previous_secret_id, e.previous_key_id, e.previous_secret, e.previous_hint, e.previous_created_at,
      e.previous_scheme, e.previous_public_key,
      e.previous_expires_at, e.current_confirmed_at, e.current_rejected_at,
      e.consecutive_failures, e.circuit_open_until, e.rate_limit_per_second, e.rejection_burst_at,
      e.custom_headers, e.custom_headers_key_id, e.custom_header_hints::text AS custom_header_hints,
      e.forward_traceparent""";

  /**
   * The endpoint with what operators watch during a rotation: 401/403 answers in the last hour, the last
   * rejection, the last success and the last attempt's outcome. A delivery's latest success is on its row or its
   * delivered fan-out (the {@code successes} view, V22), failed attempts (and successes a replay archived) in
   * delivery_attempts (V10); the last attempt is the later of the newest of each.
   */
  static final String SELECT_VIEW = "SELECT " + BASE_COLUMNS + """
      ,
             rej.signature_rejections, rej.last_rejection_at, ok.last_success_at,
             last.last_status_code, last.last_error, last.last_attempt_at, held.held_deliveries
      FROM endpoints e
      LEFT JOIN LATERAL (
        -- "status <> 'delivered'" restates the predicate of the partial index deliveries_endpoint_status_idx
        -- (delivered rows left out): a generic plan uses it only if the text says so; likewise below
        SELECT count(*) AS held_deliveries FROM deliveries h
        WHERE h.tenant_id = e.tenant_id AND h.endpoint_id = e.endpoint_id AND h.status = 'held' AND h.status <> 'delivered'
      ) held ON true
      LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE a.attempted_at > now() - interval '1 hour') AS signature_rejections,
               max(a.attempted_at) AS last_rejection_at
        FROM delivery_attempts a
        WHERE a.tenant_id = e.tenant_id AND a.endpoint_id = e.endpoint_id AND a.status_code IN (401, 403)
      ) rej ON true
      LEFT JOIN LATERAL (
        SELECT d.delivered_at, d.last_status_code FROM successes d
        WHERE d.tenant_id = e.tenant_id AND d.endpoint_id = e.endpoint_id
        ORDER BY d.delivered_at DESC LIMIT 1
      ) delivered ON true
      LEFT JOIN LATERAL (
        SELECT a.status_code, a.error, a.attempted_at FROM delivery_attempts a
        WHERE a.tenant_id = e.tenant_id AND a.endpoint_id = e.endpoint_id
        ORDER BY a.attempted_at DESC LIMIT 1
      ) logged ON true
      LEFT JOIN LATERAL (
        SELECT greatest(delivered.delivered_at,
                        (SELECT max(a.attempted_at) FROM delivery_attempts a
                         WHERE a.tenant_id = e.tenant_id AND a.endpoint_id = e.endpoint_id
                           AND a.status_code BETWEEN 200 AND 299)) AS last_success_at
      ) ok ON true
      LEFT JOIN LATERAL (
        SELECT CASE WHEN logged.attempted_at IS NULL OR delivered.delivered_at > logged.attempted_at
                    THEN delivered.last_status_code ELSE logged.status_code END AS last_status_code,
               CASE WHEN logged.attempted_at IS NULL OR delivered.delivered_at > logged.attempted_at
                    THEN NULL ELSE logged.error END AS last_error,
               greatest(delivered.delivered_at, logged.attempted_at) AS last_attempt_at
      ) last ON true
      """;

  /** Creates the endpoint and its audit row in one statement ({@link InsertParams}). */
  static final String INSERT = """
      WITH e AS (
        INSERT INTO endpoints (tenant_id, endpoint_id, url, event_types, current_secret_id, current_secret,
                               current_key_id, current_hint, current_scheme, current_public_key, current_created_at,
                               rate_limit_per_second, custom_headers, custom_headers_key_id, custom_header_hints,
                               forward_traceparent)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::jsonb, $16)
        RETURNING *
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_after, detail)
        SELECT tenant_id, endpoint_id, 'endpoint_created', $17, version,
               jsonb_build_object('currentSecretId', current_secret_id, 'currentHint', current_hint,
                                  'scheme', current_scheme)
        FROM e
      )
      SELECT\s""" + BASE_COLUMNS + " FROM e";

  /** The parameters of {@link #INSERT}, in its order. */
  record InsertParams(String tenantId, String endpointId, String url, String[] eventTypes,
      SecretState.Entry secret, Integer rateLimitPerSecond,
      Buffer sealedHeaders, String headersKeyId, String headerHints, boolean forwardTraceparent, String actor) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(url)
          .addArrayOfString(eventTypes).addString(secret.id()).addBuffer(Buffer.buffer(secret.sealed()))
          .addString(secret.keyId()).addString(secret.hint()).addString(secret.scheme().wireName())
          .addString(secret.publicKey()).addOffsetDateTime(Wire.utc(secret.createdAt()))
          .addInteger(rateLimitPerSecond).addBuffer(sealedHeaders).addString(headersKeyId).addString(headerHints)
          .addBoolean(forwardTraceparent).addString(actor);
    }
  }

  static final String LIST = SELECT_VIEW
      + "WHERE e.tenant_id = $1 AND e.deleted_at IS NULL ORDER BY e.endpoint_id";

  static final String GET = SELECT_VIEW
      + "WHERE e.tenant_id = $1 AND e.endpoint_id = $2 AND e.deleted_at IS NULL";

  /**
   * The endpoint row alone, without the activity the view adds (five LATERAL reads of deliveries and attempts):
   * what a secret change's compare-and-set and a probe need.
   */
  static final String GET_ROW = "SELECT " + BASE_COLUMNS
      + " FROM endpoints e WHERE e.tenant_id = $1 AND e.endpoint_id = $2 AND e.deleted_at IS NULL";

  /**
   * Changes url, event types, enabled, the rate limit or (when $11) the custom headers (null keeps a field) if the
   * endpoint is still at version $10,
   * bumping it, with one audit row naming the change: zero rows back means another change landed first (or the
   * endpoint is gone). Re-enabling is a fresh start: the failure history that disabled it (the failing period, the
   * circuit breaker) is forgotten, so the next failure does not disable it again at once, and its waiting
   * deliveries are due now, including those parked behind its circuit. Deliveries held while it was disabled stay
   * held unless $15 (releaseHeld) asks for them. One statement: an operator action, not the hot path.
   */
  static final String UPDATE = """
      WITH old AS (
        SELECT tenant_id, endpoint_id, enabled, version FROM endpoints
        WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL AND version = $10
        FOR UPDATE
      ), e AS (
        UPDATE endpoints x SET url = COALESCE($3, x.url), event_types = COALESCE($4, x.event_types),
               enabled = COALESCE($5, x.enabled),
               rate_limit_per_second = CASE WHEN $8 THEN $9 ELSE x.rate_limit_per_second END,
               failing_since = CASE WHEN fresh.start THEN NULL ELSE x.failing_since END,
               consecutive_failures = CASE WHEN fresh.start THEN 0 ELSE x.consecutive_failures END,
               circuit_opens = CASE WHEN fresh.start THEN 0 ELSE x.circuit_opens END,
               circuit_open_until = CASE WHEN fresh.start THEN NULL ELSE x.circuit_open_until END,
               circuit_probe_until = CASE WHEN fresh.start THEN NULL ELSE x.circuit_probe_until END,
               custom_headers = CASE WHEN $11 THEN $12 ELSE x.custom_headers END,
               custom_headers_key_id = CASE WHEN $11 THEN $13 ELSE x.custom_headers_key_id END,
               custom_header_hints = CASE WHEN $11 THEN $14::text::jsonb ELSE x.custom_header_hints END,
               forward_traceparent = COALESCE($16, x.forward_traceparent),
               version = x.version + 1
        FROM old, LATERAL (SELECT coalesce($5, false) AND NOT old.enabled AS start) fresh
        WHERE x.tenant_id = old.tenant_id AND x.endpoint_id = old.endpoint_id
        RETURNING x.tenant_id, x.endpoint_id, x.version, x.enabled, old.enabled AS was_enabled, old.version AS was_version
      ), released AS (
        UPDATE deliveries d SET next_attempt_at = now()
        FROM e
        WHERE e.enabled AND NOT e.was_enabled AND d.tenant_id = e.tenant_id AND d.endpoint_id = e.endpoint_id
          AND d.status = 'pending' AND d.status <> 'delivered' AND d.lease_owner IS NULL AND d.next_attempt_at > now()
      ), unheld AS (
        UPDATE deliveries d SET status = 'pending', next_attempt_at = now(), retry_base = d.attempt_count
        FROM e
        WHERE $15 AND e.enabled AND d.tenant_id = e.tenant_id AND d.endpoint_id = e.endpoint_id
          AND d.status = 'held' AND d.status <> 'delivered'
      )
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail)
      SELECT tenant_id, endpoint_id,
             CASE WHEN enabled = was_enabled THEN 'endpoint_updated'
                  WHEN enabled THEN 'endpoint_enabled' ELSE 'endpoint_disabled' END,
             $6, was_version, version, $7::text::jsonb
      FROM e
      RETURNING endpoint_id""";

  /**
   * The parameters of {@link #UPDATE}, by placeholder number ($10, the expected version, is used first, in the row
   * lock; $8/$9 and $11-$14 are a "set this" flag and its value).
   */
  record UpdateParams(String tenantId, String endpointId, String url, String[] eventTypes, Boolean enabled,
      String actor, String auditDetail, boolean setRateLimit, Integer rateLimitPerSecond, long expectedVersion,
      boolean setHeaders, Buffer sealedHeaders, String headersKeyId, String headerHints, boolean releaseHeld,
      Boolean forwardTraceparent) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(url).addArrayOfString(eventTypes)
          .addBoolean(enabled).addString(actor).addString(auditDetail).addBoolean(setRateLimit)
          .addInteger(rateLimitPerSecond).addLong(expectedVersion).addBoolean(setHeaders).addBuffer(sealedHeaders)
          .addString(headersKeyId).addString(headerHints).addBoolean(releaseHeld).addBoolean(forwardTraceparent);
    }
  }

  /**
   * Soft delete if the endpoint is still at version $4, so past deliveries keep their endpoint; pending work to it is
   * closed in the same statement. Zero rows back: another change landed first, or it is gone.
   */
  static final String DELETE = """
      WITH ep AS (
        UPDATE endpoints SET deleted_at = now(), enabled = false, version = version + 1
        WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL AND version = $4
        RETURNING tenant_id, endpoint_id, version
      ), closed AS (
        UPDATE deliveries d SET status = 'failed', last_error = 'endpoint deleted', lease_owner = NULL, lease_until = NULL
        FROM ep WHERE d.tenant_id = ep.tenant_id AND d.endpoint_id = ep.endpoint_id AND d.status IN ('pending', 'held')
          AND d.status <> 'delivered'
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after)
        SELECT tenant_id, endpoint_id, 'endpoint_deleted', $3, version - 1, version FROM ep
      )
      SELECT endpoint_id FROM ep""";

  record DeleteParams(String tenantId, String endpointId, String actor, long expectedVersion) {
    Tuple tuple() {
      return Tuple.of(tenantId, endpointId, actor, expectedVersion);
    }
  }

  /** One endpoint of a tenant: {@link #GET}, {@link #GET_ROW}, {@link #CURRENT_VERSION}. */
  record Key(String tenantId, String endpointId) {
    Tuple tuple() {
      return Tuple.of(tenantId, endpointId);
    }
  }

  static final String CURRENT_VERSION = """
      SELECT version FROM endpoints WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL""";

  /**
   * The changes that a request prepared against version $3 lost to: every change that made a version in ($3, $4],
   * newest first; when $3 is no version this endpoint went through, the change that made $4. Lost races are audited
   * with versions too, so they are left out by kind.
   */
  static final String WINNERS = """
      SELECT version_after, kind, actor, created_at FROM audit_log
      WHERE tenant_id = $1 AND endpoint_id = $2
        AND version_after <= $4 AND (version_after > $3 OR ($3 >= $4 AND version_after = $4))
        AND version_before IS DISTINCT FROM version_after
        AND kind NOT IN ('rotation_race_detected', 'concurrent_change_detected')
      ORDER BY audit_id DESC LIMIT 50""";

  record WinnersParams(String tenantId, String endpointId, long expectedVersion, long currentVersion) {
    Tuple tuple() {
      return Tuple.of(tenantId, endpointId, expectedVersion, currentVersion);
    }
  }

  static final String AUDIT = """
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8)""";

  /** A lost compare-and-set's audit row: {@code kind} is rotation_race_detected or concurrent_change_detected. */
  record AuditParams(String tenantId, String endpointId, String kind, String actor, long versionBefore,
      long versionAfter, String detailJson, java.time.OffsetDateTime createdAt) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(kind).addString(actor)
          .addLong(versionBefore).addLong(versionAfter).addString(detailJson).addOffsetDateTime(createdAt);
    }
  }

  private EndpointSql() {}
}
