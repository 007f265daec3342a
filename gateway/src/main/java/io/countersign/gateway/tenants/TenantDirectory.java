package io.countersign.gateway.tenants;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Looks up a tenant's token hash for authentication, with a short cache so the ingest hot path does not pay a
 * query per request. Only existing tenants are cached; a new tenant is visible at once.
 */
public final class TenantDirectory {
  private static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** What authentication needs to know about a tenant. */
  public record TenantAuth(String tenantId, String tokenId, byte[] tokenHash) {}

  private record Cached(TenantAuth auth, long expiresAt) {}

  private final Pool pool;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

  public TenantDirectory(Pool pool) {
    this.pool = pool;
  }

  /** The tenant, or null when it does not exist. */
  public Future<TenantAuth> find(String tenantId) {
    Cached cached = cache.get(tenantId);
    if (cached != null && cached.expiresAt - System.nanoTime() > 0) {
      return Future.succeededFuture(cached.auth);
    }
    return pool.preparedQuery(TenantSql.AUTH).execute(Tuple.of(tenantId)).map(rows -> {
      if (rows.size() == 0) {
        cache.remove(tenantId);
        return null;
      }
      Row row = rows.iterator().next();
      TenantAuth auth = new TenantAuth(tenantId, row.getString("token_id"), row.getBuffer("token_hash").getBytes());
      cache.put(tenantId, new Cached(auth, System.nanoTime() + TTL_NANOS));
      return auth;
    });
  }
}
