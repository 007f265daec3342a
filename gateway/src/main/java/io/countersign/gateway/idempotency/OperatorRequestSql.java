package io.countersign.gateway.idempotency;

/** The statements of {@link OperatorRequests}: claim a key, record its answer, read an earlier answer. */
final class OperatorRequestSql {
  static final String CLAIM = """
      INSERT INTO operator_requests (tenant_id, idempotency_key, request_sha256) VALUES ($1, $2, $3)
      ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
      RETURNING tenant_id""";

  record ClaimParams(String tenantId, String key, byte[] requestSha256) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, key, io.vertx.core.buffer.Buffer.buffer(requestSha256));
    }
  }

  static final String EXISTING = """
      SELECT request_sha256, status_code, response::text AS response, endpoint_id, secret_id
      FROM operator_requests WHERE tenant_id = $1 AND idempotency_key = $2""";

  record Key(String tenantId, String key) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, key);
    }
  }

  static final String RECORD = """
      UPDATE operator_requests SET status_code = $3, response = $4::text::jsonb, endpoint_id = $5, secret_id = $6
      WHERE tenant_id = $1 AND idempotency_key = $2""";

  /** The parameters of {@link #RECORD}, in its order: the key, then the answer kept (never a secret value). */
  record RecordParams(String tenantId, String key, int status, String response, String endpointId, String secretId) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, key, status, response, endpointId, secretId);
    }
  }

  private OperatorRequestSql() {}
}
