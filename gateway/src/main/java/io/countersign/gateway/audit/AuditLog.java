package io.countersign.gateway.audit;

import io.countersign.gateway.support.Rows;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the append-only audit log (rows are written by the statements that make each change, in the same
 * statement). The service behind {@link AuditRoutes}.
 *
 * <pre>{@code
 * auditLog.page("acme", null, "secret_rotated", null, 0, 100).onSuccess(rows -> ...);
 * }</pre>
 */
public final class AuditLog {
  private final Pool pool;

  public AuditLog(Pool pool) {
    this.pool = pool;
  }

  /** Up to {@code limit} rows after {@code afterAuditId}, oldest first; null filters match all. */
  public Future<List<Row>> page(String tenantId, String endpointId, String kind, Instant since, long afterAuditId,
      int limit) {
    return pool.preparedQuery(AuditSql.LIST)
        .execute(new AuditSql.ListParams(tenantId, endpointId, kind, since, afterAuditId, limit).tuple())
        .map(Rows::list);
  }
}
