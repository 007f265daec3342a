package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A process holds each endpoint's sending settings by send_version (V23, {@link EndpointSnapshots}): every change of
 * them must reach the next claimed event, and nothing else may bump the version.
 */
class EndpointSnapshotsIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(Map.of());
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  private long sendVersion(String endpointId) throws Exception {
    return ((Number) TestDatabases.query(gateway.databaseUrl(),
        "SELECT send_version FROM endpoints WHERE endpoint_id = '" + endpointId + "'").get(0).get(0)).longValue();
  }

  private FakeReceiver.Received deliver(String tenant, String token, String key, String path) throws Exception {
    HttpResponse<String> r = gateway.postEvent(tenant, token, key, "order.created", "{\"k\":\"" + key + "\"}");
    assertEquals(202, r.statusCode(), r.body());
    String id = new JsonObject(r.body()).getString("id");
    Eventually.await(WAIT, key + " at " + path,
        () -> receiver.accepted(path).stream().anyMatch(got -> id.equals(got.header("webhook-id"))));
    return receiver.accepted(path).stream().filter(got -> id.equals(got.header("webhook-id"))).findFirst()
        .orElseThrow();
  }

  private static void verifies(String secret, FakeReceiver.Received got) {
    Map<String, List<String>> headers = got.standardWebhookHeaders();
    assertDoesNotThrow(() -> new Webhook(secret).verify(new String(got.body(), StandardCharsets.UTF_8), headers));
  }

  @Test
  void everyChangeOfAnEndpointReachesTheNextEventItsProcessClaims() throws Exception {
    String token = gateway.createTenant("snap");
    JsonObject endpoint = gateway.createEndpoint("snap", token, receiver.url("/snap-a"));
    String id = endpoint.getString("id");
    // the first event has the settings read; the second is sent with what is held
    verifies(endpoint.getString("secret"), deliver("snap", token, "a-1", "/snap-a"));
    verifies(endpoint.getString("secret"), deliver("snap", token, "a-2", "/snap-a"));

    HttpResponse<String> moved = gateway.patchEndpoint("snap", token, id,
        new JsonObject().put("url", receiver.url("/snap-b")).encode());
    assertEquals(200, moved.statusCode(), moved.body());
    verifies(endpoint.getString("secret"), deliver("snap", token, "b-1", "/snap-b"));

    long version = gateway.endpoint("snap", token, id).getLong("version");
    HttpResponse<String> rotated = gateway.secretCall("snap", token, id, "rotate", version, "{\"overlap\": \"PT1H\"}");
    assertEquals(200, rotated.statusCode(), rotated.body());
    FakeReceiver.Received overlap = deliver("snap", token, "b-2", "/snap-b");
    assertEquals(2, overlap.header("webhook-signature").split(" ").length, "signed with both secrets");
    verifies(endpoint.getString("secret"), overlap);
    verifies(new JsonObject(rotated.body()).getString("secret"), overlap);

    HttpResponse<String> headed = gateway.patchEndpoint("snap", token, id,
        new JsonObject().put("headers", new JsonObject().put("X-Route", "green")).encode());
    assertEquals(200, headed.statusCode(), headed.body());
    assertEquals("green", deliver("snap", token, "b-3", "/snap-b").header("x-route"));
  }

  @Test
  void theVersionMovesWithEverySendingColumnAndWithNothingElse() throws Exception {
    String token = gateway.createTenant("snapv");
    String id = gateway.createEndpoint("snapv", token, receiver.url("/snap-v")).getString("id");
    String where = " WHERE tenant_id = 'snapv' AND endpoint_id = '" + id + "'";
    long before = sendVersion(id);
    TestDatabases.execute(gateway.databaseUrl(), "UPDATE endpoints SET consecutive_failures = 3, "
        + "circuit_open_until = now() + interval '1 minute', failing_since = now()" + where);
    TestDatabases.execute(gateway.databaseUrl(), "UPDATE endpoints SET circuit_open_until = NULL" + where);
    assertEquals(before, sendVersion(id), "the circuit and failure counters are not sending settings");
    TestDatabases.execute(gateway.databaseUrl(), "UPDATE endpoints SET url = url" + where);
    assertEquals(before, sendVersion(id), "an update that changes nothing");
    TestDatabases.execute(gateway.databaseUrl(), "UPDATE endpoints SET rate_limit_per_second = 7" + where);
    assertEquals(before + 1, sendVersion(id));
    TestDatabases.execute(gateway.databaseUrl(), "UPDATE endpoints SET forward_traceparent = true" + where);
    assertEquals(before + 2, sendVersion(id));
  }

  /** The trigger's list and {@link DeliveryTask#COLUMNS} must not drift apart: a column added to one is in both. */
  @Test
  void theTriggerWatchesEveryColumnATaskIsBuiltFrom() throws Exception {
    String definition = (String) TestDatabases.query(gateway.databaseUrl(),
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'endpoints_send_version'").get(0).get(0);
    List<String> columns = new ArrayList<>();
    Matcher m = Pattern.compile("ep\\.(\\w+)").matcher(DeliveryTask.COLUMNS);
    while (m.find()) {
      columns.add(m.group(1));
    }
    assertTrue(columns.size() >= 14, columns.toString());
    for (String column : columns) {
      assertTrue(definition.contains("old." + column) && definition.contains("new." + column),
          column + " in " + definition);
    }
  }
}
