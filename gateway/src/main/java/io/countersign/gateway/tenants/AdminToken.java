package io.countersign.gateway.tenants;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The configured admin token, and during its rotation the previous one, held only as hashes and compared in
 * constant time (both, always).
 */
public final class AdminToken {
  private final byte[] hash;
  private final byte[] previousHash;

  public AdminToken(String token) {
    this(token, "");
  }

  /** {@code previous} (empty: none) keeps working until it is removed from the configuration. */
  public AdminToken(String token, String previous) {
    this.hash = Tokens.hash(token);
    this.previousHash = previous == null || previous.isEmpty() ? null : Tokens.hash(previous);
  }

  public boolean matches(String presented) {
    return presented != null && matchesHash(Tokens.hash(presented));
  }

  /** {@link #matches} of a token already hashed with {@link Tokens#hash}, for callers that compare it again. */
  public boolean matchesHash(byte[] h) {
    boolean current = java.security.MessageDigest.isEqual(h, hash);
    boolean previous = previousHash != null && java.security.MessageDigest.isEqual(h, previousHash);
    return current | previous;
  }

  /** A route handler that admits only the admin. */
  public Handler<RoutingContext> required() {
    return ctx -> {
      if (matches(Principal.bearer(ctx))) {
        Principal.ofAdmin().attach(ctx);
        ctx.next();
      } else {
        ctx.fail(ApiError.unauthorized("this call needs the admin token"));
      }
    };
  }

  @Override
  public String toString() {
    return "AdminToken[***]";
  }
}
