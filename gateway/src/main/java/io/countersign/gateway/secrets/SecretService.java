package io.countersign.gateway.secrets;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes secret state: the compare-and-set of a transition's result with its audit rows ({@link SecretSql#WRITE_STATE}),
 * and a probe's evidence. The HTTP edge (the endpoints package's {@code SecretRoutes}) reads the endpoint, decides
 * with {@link SecretTransitions} and calls this; no SQL of the secrets feature is anywhere else.
 *
 * <pre>{@code
 * service.write(client, tenantId, endpointId, expectedVersion, before, changed, actor, now)
 *     .onSuccess(version -> { if (version == null) lostTheRace(); });
 * }</pre>
 */
public final class SecretService {
  private final Pool pool;

  public SecretService(Pool pool) {
    this.pool = pool;
  }

  /** The compare-and-set through {@code client}: the new version, or null when another change landed first. */
  public Future<Long> write(SqlClient client, String tenantId, String endpointId, long expected, SecretState before,
      SecretTransitions.Changed changed, String actor, Instant now) {
    List<String> details = new ArrayList<>();
    for (String kind : changed.events()) {
      details.add(AuditDetails.of(kind, before, changed, "operator").encode());
    }
    SecretSql.WriteStateParams params = new SecretSql.WriteStateParams(tenantId, endpointId, expected,
        changed.state(), actor, changed.events().toArray(String[]::new), details.toArray(String[]::new), now);
    return client.preparedQuery(SecretSql.WRITE_STATE).execute(params.tuple())
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong("version"));
  }

  /**
   * A probe's evidence for the secret it tested, recorded only while that secret is still current: {@code accepted}
   * confirms it, {@code rejected} counts against it, anything else records nothing.
   */
  public Future<Void> recordProbe(String tenantId, String endpointId, String secretId, String result, Instant at) {
    String sql = "accepted".equals(result) ? SecretSql.PROBE_CONFIRMED
        : "rejected".equals(result) ? SecretSql.PROBE_REJECTED : null;
    if (sql == null) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(sql).execute(new SecretSql.ProbeParams(tenantId, endpointId, secretId,
        io.countersign.gateway.support.Wire.utc(at)).tuple()).mapEmpty();
  }
}
