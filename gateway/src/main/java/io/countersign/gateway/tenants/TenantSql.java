package io.countersign.gateway.tenants;

final class TenantSql {
  /** The tenant and its first token, with every scope, in one statement. */
  static final String INSERT = """
      WITH t AS (
        INSERT INTO tenants (tenant_id, name) VALUES ($1, $2)
        ON CONFLICT (tenant_id) DO NOTHING
        RETURNING tenant_id, created_at
      ), k AS (
        INSERT INTO api_tokens (tenant_id, token_id, name, token_hash, hint, scopes, created_at)
        SELECT tenant_id, $3, 'initial', $4, $5, ARRAY['events:write', 'read', 'manage'], created_at FROM t
      )
      SELECT created_at FROM t""";

  /** The parameters of {@link #INSERT}, in its order. */
  record InsertParams(String tenantId, String name, String tokenId, byte[] tokenHash, String hint) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, name, tokenId, io.vertx.core.buffer.Buffer.buffer(tokenHash), hint);
    }
  }

  /** The tenant (one row even without tokens) and its usable tokens. */
  static final String AUTH = """
      SELECT t.tenant_id, k.token_id, k.token_hash, k.scopes, k.expires_at
      FROM tenants t
      LEFT JOIN api_tokens k ON k.tenant_id = t.tenant_id AND k.revoked_at IS NULL
      WHERE t.tenant_id = $1""";

  static final String GET = "SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = $1";

  static final String CREATE_TOKEN = """
      WITH k AS (
        INSERT INTO api_tokens (tenant_id, token_id, name, token_hash, hint, scopes, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING tenant_id, token_id, name, scopes, created_at, expires_at
      ), audit AS (
        INSERT INTO audit_log (tenant_id, kind, actor, detail)
        SELECT tenant_id, 'token_created', $8,
               jsonb_build_object('tokenId', token_id, 'name', name, 'scopes', scopes, 'expiresAt', expires_at)
        FROM k
      )
      SELECT created_at FROM k""";

  /** The parameters of {@link #CREATE_TOKEN}, in its order. */
  record TokenParams(String tenantId, String tokenId, String name, byte[] tokenHash, String hint, String[] scopes,
      java.time.Instant expiresAt, String actor) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.tuple().addString(tenantId).addString(tokenId).addString(name)
          .addBuffer(io.vertx.core.buffer.Buffer.buffer(tokenHash)).addString(hint).addArrayOfString(scopes)
          .addOffsetDateTime(io.countersign.gateway.support.Wire.utc(expiresAt)).addString(actor);
    }
  }

  static final String LIST_TOKENS = """
      SELECT token_id, name, hint, scopes, created_at, last_used_at, expires_at, revoked_at
      FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at, token_id""";

  static final String REVOKE_TOKEN = """
      WITH k AS (
        UPDATE api_tokens SET revoked_at = now()
        WHERE tenant_id = $1 AND token_id = $2 AND revoked_at IS NULL
        RETURNING tenant_id, token_id, name
      ), audit AS (
        INSERT INTO audit_log (tenant_id, kind, actor, detail)
        SELECT tenant_id, 'token_revoked', $3, jsonb_build_object('tokenId', token_id, 'name', name) FROM k
      )
      SELECT token_id FROM k""";

  record RevokeParams(String tenantId, String tokenId, String actor) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, tokenId, actor);
    }
  }

  /** Best effort, at most once a minute per token and process. */
  static final String TOUCH = "UPDATE api_tokens SET last_used_at = now() WHERE tenant_id = $1 AND token_id = $2";

  record TokenKey(String tenantId, String tokenId) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, tokenId);
    }
  }

  private TenantSql() {}
}
