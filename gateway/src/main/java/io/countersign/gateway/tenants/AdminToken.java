package io.countersign.gateway.tenants;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** The configured admin token, held only as its hash and compared in constant time. */
public final class AdminToken {
  private final byte[] hash;

  public AdminToken(String token) {
    this.hash = Tokens.hash(token);
  }

  public boolean matches(String presented) {
    return presented != null && Tokens.matches(presented, hash);
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
