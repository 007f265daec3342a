package io.countersign.gateway.tenants;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Looks up a tenant's token hash for authentication, with a short cache so the ingest hot path does not pay a
 * query per request. Unknown tenants are cached the same way as known ones (at most {@value #MAX_UNKNOWN} of
 * them), so how fast a refusal comes says nothing about whether the tenant exists. A tenant created here is
 * forgotten as unknown at once; another process may take up to the cache's 10 s to see it.
 */
public final class TenantDirectory {
  private static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int MAX_UNKNOWN = 10_000;

  /** What authentication needs to know about a tenant. */
  public record TenantAuth(String tenantId, String tokenId, byte[] tokenHash) {}

  /** {@code auth} is null for a tenant that does not exist. */
  private record Cached(TenantAuth auth, long expiresAt) {}

  private final Pool pool;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
  private final AtomicInteger unknown = new AtomicInteger();

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
      TenantAuth auth = null;
      if (rows.size() > 0) {
        Row row = rows.iterator().next();
        auth = new TenantAuth(tenantId, row.getString("token_id"), row.getBuffer("token_hash").getBytes());
      } else if (unknown.incrementAndGet() > MAX_UNKNOWN) {
        // a flood of made-up ids: start the unknown ones over rather than grow
        cache.values().removeIf(c -> c.auth == null);
        unknown.set(1);
      }
      Cached previous = cache.put(tenantId, new Cached(auth, System.nanoTime() + TTL_NANOS));
      if (previous != null && previous.auth == null && auth != null) {
        unknown.decrementAndGet();
      }
      return auth;
    });
  }

  /** A tenant was just created: it is no longer unknown here. */
  public void forget(String tenantId) {
    Cached previous = cache.remove(tenantId);
    if (previous != null && previous.auth == null) {
      unknown.decrementAndGet();
    }
  }
}
