package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.endpoints.EndpointStore;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compare-and-set's losing branch, without timing: the state is read at version 1, another change lands
 * (version 2), and then the write prepared from version 1 runs. It must change nothing, write no audit row, and say
 * so (null), which is what the HTTP edge turns into 409 {@code rotation_race}.
 */
class SecretServiceIT {
  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aWritePreparedFromAVersionThatMovedOnChangesNothingAndSaysSo() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      String token = gateway.createTenant("acme");
      String endpointId = gateway.createEndpoint("acme", token, "http://127.0.0.1:9/hook").getString("id");
      Vertx vertx = Vertx.vertx();
      Pool pool = PgBuilder.pool().connectingTo(DatabaseTarget.fromUrl(gateway.databaseUrl()).connectOptions())
          .using(vertx).build();
      try {
        EndpointStore store = new EndpointStore(pool, Clock.systemUTC(), Duration.ofHours(1), Duration.ofHours(1));
        Row row = await(store.find("acme", endpointId));
        assertEquals(1L, row.getLong("version"));
        SecretState before = EndpointStore.state(row);

        // the other operator's rotation lands first
        assertEquals(200, gateway.secretCall("acme", token, endpointId, "rotate", 1L, null).statusCode());

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        IssuedKey fresh = IssuedKey.generate(io.countersign.signature.SignatureScheme.HMAC_SHA256);
        SecretTransitions.Changed mine = (SecretTransitions.Changed) SecretTransitions.rotate(before,
            fresh.entry("sec_mine", "key", new byte[] {1, 2, 3}, now), now, Duration.ofDays(1), false);
        SecretService service = new SecretService(pool);
        assertNull(await(service.write(pool, "acme", endpointId, 1L, before, mine, "tok_me", now)),
            "zero rows: the loser learns it lost");

        JsonObject view = gateway.endpoint("acme", token, endpointId);
        assertEquals(2L, view.getLong("version"), "nothing changed");
        assertEquals(List.of(List.of(1L)), TestDatabases.query(gateway.databaseUrl(),
            "SELECT count(*) FROM audit_log WHERE kind = 'secret_rotated'"), "no audit row for a change that did not land");
        assertEquals(List.of(List.of(0L)), TestDatabases.query(gateway.databaseUrl(),
            "SELECT count(*) FROM endpoints WHERE current_secret_id = 'sec_mine' OR previous_secret_id = 'sec_mine'"));

        // the same write from the version it now is lands
        Row now2 = await(store.find("acme", endpointId));
        SecretState current = EndpointStore.state(now2);
        SecretTransitions.Changed next = (SecretTransitions.Changed) SecretTransitions.rotate(current,
            fresh.entry("sec_mine", "key", new byte[] {1, 2, 3}, now), now, Duration.ofDays(1), true);
        assertEquals(3L, await(service.write(pool, "acme", endpointId, 2L, current, next, "tok_me", now)));
      } finally {
        pool.close();
        vertx.close();
      }
    }
  }
}
