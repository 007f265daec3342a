package io.countersign.gateway.tenants;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Looks up a tenant's usable tokens for authentication, with a cache so the ingest hot path does not pay a query
 * per request. The cache's staleness is bounded by {@link #STALENESS}: a token revoked (or created) in one process
 * is refused (or accepted) by every other process within it, and at once by the process that changed it. Unknown
 * tenants are cached the same way as known ones (at most {@value #MAX_UNKNOWN} of them), so how fast a refusal
 * comes says nothing about whether the tenant exists.
 */
public final class TenantDirectory {
  /** How stale a cached tenant may be: the bound on a revocation reaching every process. */
  public static final java.time.Duration STALENESS = java.time.Duration.ofSeconds(10);
  private static final long TTL_NANOS = STALENESS.toNanos();
  private static final int MAX_UNKNOWN = 10_000;

  /** One usable token of a tenant: its hash, scopes and expiry (null: none). */
  public record TokenAuth(String tokenId, byte[] tokenHash, java.util.Set<String> scopes, java.time.Instant expiresAt) {}

  /** What authentication needs to know about a tenant: its usable (unrevoked) tokens. */
  public record TenantAuth(String tenantId, java.util.List<TokenAuth> tokens) {}

  /** {@code auth} is null for a tenant that does not exist. */
  private record Cached(TenantAuth auth, long expiresAt) {}

  private final Pool pool;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
  private final AtomicInteger unknown = new AtomicInteger();
  /**
   * Bumped by every {@link #forget}: a lookup that started before a change must not cache what it read, or a token
   * revoked here would still be accepted until the entry expired.
   */
  private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

  public TenantDirectory(Pool pool) {
    this.pool = pool;
  }

  /** The tenant, or null when it does not exist. */
  public Future<TenantAuth> find(String tenantId) {
    Cached cached = cache.get(tenantId);
    if (cached != null && cached.expiresAt - System.nanoTime() > 0) {
      return Future.succeededFuture(cached.auth);
    }
    long changesBefore = changes.get();
    return pool.preparedQuery(TenantSql.AUTH).execute(Tuple.of(tenantId)).map(rows -> {
      TenantAuth auth = null;
      if (rows.size() > 0) {
        java.util.List<TokenAuth> tokens = new java.util.ArrayList<>();
        for (Row row : rows) {
          if (row.getString("token_id") != null) {
            java.time.OffsetDateTime expires = row.getOffsetDateTime("expires_at");
            tokens.add(new TokenAuth(row.getString("token_id"), row.getBuffer("token_hash").getBytes(),
                java.util.Set.of(row.getArrayOfStrings("scopes")), expires == null ? null : expires.toInstant()));
          }
        }
        auth = new TenantAuth(tenantId, java.util.List.copyOf(tokens));
      }
      if (changes.get() != changesBefore) {
        return auth;   // a change may have landed after this read: answer it, but do not keep it
      }
      if (auth == null && unknown.incrementAndGet() > MAX_UNKNOWN) {
        // a flood of made-up ids: start the unknown ones over rather than grow
        cache.values().removeIf(c -> c.auth == null);
        unknown.set(1);
      }
      Cached entry = new Cached(auth, System.nanoTime() + TTL_NANOS);
      Cached previous = cache.put(tenantId, entry);
      if (previous != null && previous.auth == null && auth != null) {
        unknown.decrementAndGet();
      }
      if (changes.get() != changesBefore) {
        // a change raced the put (another event loop): drop what this read kept
        if (cache.remove(tenantId, entry) && auth == null) {
          unknown.decrementAndGet();
        }
      }
      return auth;
    });
  }

  /** A tenant was just created, or its tokens changed: read it afresh on its next request. */
  public void forget(String tenantId) {
    changes.incrementAndGet();
    Cached previous = cache.remove(tenantId);
    if (previous != null && previous.auth == null) {
      unknown.decrementAndGet();
    }
  }
}
