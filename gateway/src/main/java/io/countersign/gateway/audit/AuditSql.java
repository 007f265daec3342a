package io.countersign.gateway.audit;

import io.countersign.gateway.support.Wire;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;

final class AuditSql {
  /**
   * A page of the audit log ({@link ListParams}), oldest first, after a cursor (the last {@code audit_id} seen).
   * Each filter is optional (null matches all); {@code audit_log_kind_idx} serves the kind filter.
   */
  static final String LIST = """
      SELECT audit_id, endpoint_id, kind, actor, version_before, version_after, detail::text AS detail, created_at
      FROM audit_log
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR endpoint_id = $2)
        AND ($3::text IS NULL OR kind = $3)
        AND ($4::timestamptz IS NULL OR created_at >= $4)
        AND audit_id > $5
      ORDER BY audit_id
      LIMIT $6""";

  /** The parameters of {@link #LIST}, in its order. */
  record ListParams(String tenantId, String endpointId, String kind, Instant since, long afterAuditId, int limit) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(kind)
          .addOffsetDateTime(Wire.utc(since)).addLong(afterAuditId).addInteger(limit);
    }
  }

  private AuditSql() {}
}
