package io.countersign.gateway.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** 503 "retry later" for an unreachable or recovering PostgreSQL; everything else is a bug (500). */
class DatabaseErrorsTest {
  private static PgException pg(String sqlState) {
    return new PgException("message", "ERROR", sqlState, null);
  }

  @Test
  void connectionShutdownAndResourceStatesAreUnavailable() {
    assertTrue(DatabaseErrors.isUnavailable(pg("08006")), "connection failure");
    assertTrue(DatabaseErrors.isUnavailable(pg("57P01")), "admin shutdown");
    assertTrue(DatabaseErrors.isUnavailable(pg("57P03")), "cannot connect now (crash recovery)");
    assertTrue(DatabaseErrors.isUnavailable(pg("53300")), "too many connections");
  }

  @Test
  void sqlMistakesAndConstraintViolationsAreNot() {
    assertFalse(DatabaseErrors.isUnavailable(pg("42601")), "syntax error");
    assertFalse(DatabaseErrors.isUnavailable(pg("23505")), "unique violation");
    assertFalse(DatabaseErrors.isUnavailable(pg("57014")), "query cancelled is not a shutdown");
    assertFalse(DatabaseErrors.isUnavailable(pg(null)));
    assertFalse(DatabaseErrors.isUnavailable(new IllegalStateException("bug")));
    assertFalse(DatabaseErrors.isUnavailable(null));
  }

  @Test
  void transportFailuresAreUnavailableWhereverTheyAreInTheCauseChain() {
    assertTrue(DatabaseErrors.isUnavailable(new ConnectException("Connection refused")));
    assertTrue(DatabaseErrors.isUnavailable(new TimeoutException()));
    assertTrue(DatabaseErrors.isUnavailable(new RuntimeException("wrapped", new java.io.IOException("reset"))));
    assertTrue(DatabaseErrors.isUnavailable(new VertxException("Connection closed", true)));
    assertFalse(DatabaseErrors.isUnavailable(new VertxException("something else", true)));
  }

  @Test
  void thePostgresStateDecidesEvenWhenAWrapperMentionsAConnection() {
    assertFalse(DatabaseErrors.isUnavailable(new RuntimeException("connection", pg("23505"))));
  }
}
