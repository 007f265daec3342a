package io.countersign.gateway.http;

import io.vertx.pgclient.PgException;

/** Tells "PostgreSQL cannot be reached right now" (503, retry later) from bugs and bad SQL (500). */
public final class DatabaseErrors {
  private DatabaseErrors() {}

  public static boolean isUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        String state = pg.getSqlState();
        // 08 connection exception, 57P admin shutdown / crash recovery, 53 insufficient resources
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"));
      }
      if (t instanceof java.net.ConnectException
          || t instanceof java.io.IOException
          || t instanceof java.util.concurrent.TimeoutException
          || t instanceof io.vertx.core.VertxException && isConnectionMessage(t.getMessage())
          || t.getClass().getName().startsWith("io.vertx.sqlclient.ClosedConnection")
          || t.getClass().getName().endsWith("TimeoutException")
          || t.getClass().getName().endsWith("ConnectionPoolTooBusyException")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isConnectionMessage(String message) {
    if (message == null) {
      return false;
    }
    String m = message.toLowerCase(java.util.Locale.ROOT);
    return m.contains("connection") || m.contains("timeout") || m.contains("closed") || m.contains("refused");
  }
}
