package io.countersign.gateway.tenants;

import io.vertx.sqlclient.Pool;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token's {@code lastUsedAt}, kept off the hot path: at most one best-effort write per token per minute per
 * process, so the listing is accurate to about a minute.
 */
public final class TokenUsage {
  private static final Logger LOG = LoggerFactory.getLogger(TokenUsage.class);
  private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Pool pool;
  private final ConcurrentHashMap<String, Long> written = new ConcurrentHashMap<>();

  public TokenUsage(Pool pool) {
    this.pool = pool;
  }

  void touch(String tenantId, String tokenId) {
    long now = System.nanoTime();
    Long last = written.get(tokenId);
    if (last != null && now - last < EVERY_NANOS) {
      return;
    }
    written.put(tokenId, now);
    pool.preparedQuery(TenantSql.TOUCH).execute(new TenantSql.TokenKey(tenantId, tokenId).tuple())
        .onFailure(e -> LOG.debug("recording a token's last use failed: {}", e.toString()));
  }
}
