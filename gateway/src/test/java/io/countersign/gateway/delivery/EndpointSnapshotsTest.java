package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failure path of the settings read: when it fails, the claimed deliveries it was for are left out (their lease
 * lapses and a poller sends them, as after a crash: CrashRecoveryIT), and the dispatch of the rest is not failed.
 */
class EndpointSnapshotsTest {
  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void deadDatabase() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(closedPort)
        .setDatabase("none").setUser("none")).using(vertx).build();
  }

  @AfterEach
  void close() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aFailedReadLeavesItsDeliveriesToTheirLeaseAndFailsNothing() throws Exception {
    EndpointSnapshots snapshots = new EndpointSnapshots(pool);
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    List<ClaimedDelivery> fresh = List.of(
        new ClaimedDelivery("t1", "msg_1", "ep_1", 1, now, Buffer.buffer("{}"), null),
        new ClaimedDelivery("t1", "msg_1", "ep_2", 1, now, Buffer.buffer("{}"), null));

    List<DeliveryTask> tasks = snapshots.tasks(fresh).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    assertEquals(List.of(), tasks);
  }
}
