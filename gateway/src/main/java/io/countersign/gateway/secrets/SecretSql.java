package io.countersign.gateway.secrets;

import io.countersign.gateway.support.Wire;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;

final class SecretSql {
  /**
   * The compare-and-set ({@link WriteStateParams}): writes the whole new secret state only if the version is still
   * the one the operator saw, and writes the audit rows of the change in the same statement. Zero rows back: another
   * change landed first. Adoption evidence survives only while the current secret stays the same.
   */
  static final String WRITE_STATE = """
      WITH upd AS (
        UPDATE endpoints SET
          current_confirmed_at = CASE WHEN current_secret_id = $4 THEN current_confirmed_at END,
          current_rejected_at = CASE WHEN current_secret_id = $4 THEN current_rejected_at END,
          current_secret_id = $4, current_secret = $5, current_key_id = $6, current_hint = $7, current_scheme = $8,
          current_public_key = $9, current_created_at = $10,
          previous_secret_id = $11, previous_secret = $12, previous_key_id = $13, previous_hint = $14,
          previous_scheme = $15, previous_public_key = $16, previous_created_at = $17, previous_expires_at = $18,
          version = version + 1
        WHERE tenant_id = $1 AND endpoint_id = $2 AND version = $3 AND deleted_at IS NULL
        RETURNING tenant_id, endpoint_id, version
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
        SELECT upd.tenant_id, upd.endpoint_id, ev.kind, $19, $3, upd.version, ev.detail::jsonb, $22
        FROM upd, unnest($20::text[], $21::text[]) WITH ORDINALITY AS ev(kind, detail, n)
        ORDER BY ev.n
      )
      SELECT version FROM upd""";

  /**
   * The parameters of {@link #WRITE_STATE}, in its order: the endpoint and the version expected, the two slots
   * (the previous one may be null), then who, the audit kinds with their details, and when.
   */
  record WriteStateParams(String tenantId, String endpointId, long expectedVersion, SecretState state, String actor,
      String[] auditKinds, String[] auditDetails, Instant at) {
    Tuple tuple() {
      Tuple t = Tuple.tuple().addString(tenantId).addString(endpointId).addLong(expectedVersion);
      slot(t, state.current());
      slot(t, state.previous());
      return t.addOffsetDateTime(Wire.utc(state.previous() == null ? null : state.previous().expiresAt()))
          .addString(actor).addArrayOfString(auditKinds).addArrayOfString(auditDetails).addOffsetDateTime(Wire.utc(at));
    }

    /** id, sealed value, master key id, hint, scheme, public key, created: seven placeholders, null if no slot. */
    private static void slot(Tuple t, SecretState.Entry e) {
      t.addString(e == null ? null : e.id()).addBuffer(e == null ? null : Buffer.buffer(e.sealed()))
          .addString(e == null ? null : e.keyId()).addString(e == null ? null : e.hint())
          .addString(e == null ? null : e.scheme().wireName()).addString(e == null ? null : e.publicKey())
          .addOffsetDateTime(e == null ? null : Wire.utc(e.createdAt()));
    }
  }

  /** Probe evidence, recorded only if the probed secret is still current. */
  static final String PROBE_CONFIRMED = """
      UPDATE endpoints SET current_confirmed_at = $4
      WHERE tenant_id = $1 AND endpoint_id = $2 AND current_secret_id = $3""";

  static final String PROBE_REJECTED = """
      UPDATE endpoints SET current_rejected_at = $4
      WHERE tenant_id = $1 AND endpoint_id = $2 AND current_secret_id = $3""";

  /** {@link #PROBE_CONFIRMED} and {@link #PROBE_REJECTED}: the probe of secret {@code secretId} at {@code at}. */
  record ProbeParams(String tenantId, String endpointId, String secretId, java.time.OffsetDateTime at) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(secretId).addOffsetDateTime(at);
    }
  }

  /**
   * Removes previous secrets whose expiry has passed, a bounded batch at a time, bumping the version and auditing
   * each removal. SKIP LOCKED keeps concurrent sweepers (several processes) from waiting on each other.
   */
  static final String SWEEP = """
      WITH expired AS (
        SELECT tenant_id, endpoint_id, previous_secret_id, previous_hint, previous_expires_at, version
        FROM endpoints WHERE previous_expires_at <= $1
        ORDER BY previous_expires_at LIMIT 500
        FOR UPDATE SKIP LOCKED
      ), upd AS (
        UPDATE endpoints e SET previous_secret_id = NULL, previous_secret = NULL, previous_key_id = NULL,
               previous_hint = NULL, previous_scheme = NULL, previous_public_key = NULL, previous_created_at = NULL,
               previous_expires_at = NULL, version = e.version + 1
        FROM expired x WHERE e.tenant_id = x.tenant_id AND e.endpoint_id = x.endpoint_id
        RETURNING e.tenant_id, e.endpoint_id, e.version
      )
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
      SELECT upd.tenant_id, upd.endpoint_id, 'previous_expired', 'sweeper', x.version, upd.version,
             jsonb_build_object('secretId', x.previous_secret_id, 'hint', x.previous_hint,
                                'expiresAt', x.previous_expires_at, 'by', 'sweeper'), $1
      FROM upd JOIN expired x ON x.tenant_id = upd.tenant_id AND x.endpoint_id = upd.endpoint_id""";

  /**
   * The overlap-ending reminder: endpoints whose overlap ends within $2 ms of $1 while no probe has confirmed the
   * current secret (none accepted, or rejected since), each once per expiry (an extension earns a new one), with an
   * audit row. A bounded batch at a time, SKIP LOCKED for concurrent sweepers.
   */
  static final String REMIND = """
      WITH due AS (
        SELECT tenant_id, endpoint_id FROM endpoints
        WHERE previous_expires_at > $1 AND previous_expires_at <= $1 + $2::bigint * interval '1 millisecond'
          AND overlap_reminded_for IS DISTINCT FROM previous_expires_at AND deleted_at IS NULL
          AND (current_confirmed_at IS NULL OR current_rejected_at >= current_confirmed_at)
        ORDER BY previous_expires_at LIMIT 500
        FOR UPDATE SKIP LOCKED
      ), upd AS (
        UPDATE endpoints e SET overlap_reminded_for = e.previous_expires_at
        FROM due WHERE e.tenant_id = due.tenant_id AND e.endpoint_id = due.endpoint_id
        RETURNING e.tenant_id, e.endpoint_id, e.version, jsonb_build_object('endpointId', e.endpoint_id,
                  'expiresAt', e.previous_expires_at, 'previousSecretId', e.previous_secret_id,
                  'previousHint', e.previous_hint, 'currentSecretId', e.current_secret_id,
                  'currentHint', e.current_hint,
                  'adoption', CASE WHEN e.current_rejected_at IS NOT NULL THEN 'old_secret_still_in_use'
                                   ELSE 'unconfirmed' END) AS detail
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
        SELECT tenant_id, endpoint_id, 'overlap_ending_unconfirmed', 'gateway', version, version, detail, $1 FROM upd
      )
      SELECT tenant_id, endpoint_id, detail::text AS detail FROM upd""";

  /** {@link #REMIND}: overlaps ending within {@code remindBeforeMillis} of {@code now}. */
  record RemindParams(java.time.OffsetDateTime now, long remindBeforeMillis) {
    Tuple tuple() {
      return Tuple.tuple().addOffsetDateTime(now).addLong(remindBeforeMillis);
    }
  }

  /** Custom headers not yet sealed under the primary master key $1. */
  static final String HEADERS_NOT_UNDER_KEY = """
      SELECT tenant_id, endpoint_id, custom_headers_key_id, custom_headers FROM endpoints
      WHERE custom_headers_key_id <> $1 LIMIT 200""";

  /** Re-seals one endpoint's custom headers, only if they are still the ones read ($3): a change wins. */
  static final String RESEAL_HEADERS = """
      UPDATE endpoints SET custom_headers = $4, custom_headers_key_id = $5
      WHERE tenant_id = $1 AND endpoint_id = $2 AND custom_headers = $3""";

  /** The parameters of {@link #RESEAL_HEADERS}, in its order: the endpoint, the value read, the new value and key. */
  record ResealHeadersParams(String tenantId, String endpointId, byte[] old, byte[] resealed, String keyId) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addBuffer(Buffer.buffer(old))
          .addBuffer(Buffer.buffer(resealed)).addString(keyId);
    }
  }

  /** Secrets not yet sealed under the primary master key, for re-encryption. */
  static final String NOT_UNDER_KEY = """
      SELECT tenant_id, endpoint_id, current_secret_id, current_key_id, current_secret,
             previous_secret_id, previous_key_id, previous_secret
      FROM endpoints WHERE current_key_id <> $1 OR (previous_key_id IS NOT NULL AND previous_key_id <> $1)
      LIMIT 200""";

  /**
   * Re-seals one endpoint's secrets under the new master key. Each slot is written only if it still holds the same
   * secret id, so a rotation that lands meanwhile is never undone; the secret values themselves do not change.
   */
  static final String RESEAL = """
      UPDATE endpoints SET
        current_secret = CASE WHEN current_secret_id = $3 THEN $4 ELSE current_secret END,
        current_key_id = CASE WHEN current_secret_id = $3 THEN $7 ELSE current_key_id END,
        previous_secret = CASE WHEN previous_secret_id = $5 THEN $6 ELSE previous_secret END,
        previous_key_id = CASE WHEN previous_secret_id = $5 THEN $7 ELSE previous_key_id END
      WHERE tenant_id = $1 AND endpoint_id = $2""";

  /** The parameters of {@link #RESEAL}, in its order: each slot's id and new sealed value (previous may be null). */
  record ResealParams(String tenantId, String endpointId, String currentId, byte[] current, String previousId,
      byte[] previous, String keyId) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(currentId)
          .addBuffer(Buffer.buffer(current)).addString(previousId).addBuffer(previous == null ? null
              : Buffer.buffer(previous)).addString(keyId);
    }
  }

  /** A tenant's lost rotation races in the last 24 hours and the first of them (the race-pattern flag). */
  static final String RACE_WINDOW = """
      SELECT count(*) AS races, min(created_at) AS since FROM audit_log
      WHERE tenant_id = $1 AND kind = 'rotation_race_detected' AND created_at > now() - interval '24 hours'""";

  private SecretSql() {}
}
