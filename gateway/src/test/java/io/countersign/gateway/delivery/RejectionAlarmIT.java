package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alarms the incident lacked: a burst of 401/403 answers raises signature_rejections_burst once, with the
 * secrets that were signing and the time since the last rotation, and a recovery notice when 2xx resume; rejected
 * deliveries during an overlap make adoption "rejecting"; an overlap ending unconfirmed raises a reminder.
 */
class RejectionAlarmIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(Map.of("delivery.retrySchedule", "1h", "secrets.sweepInterval", "200ms",
        "secrets.remindBefore", "2h"));
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  private static List<List<Object>> query(String sql) {
    try {
      return TestDatabases.query(gateway.databaseUrl(), sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(String sql) {
    return TestDatabases.count(gateway.databaseUrl(), sql);
  }

  private static long audits(String tenant, String kind) {
    return count("SELECT count(*) FROM audit_log WHERE tenant_id = '" + tenant + "' AND kind = '" + kind + "'");
  }

  private static long operatorEvents(String tenant, String kind) {
    return count("SELECT count(*) FROM events WHERE tenant_id = '" + tenant + "' AND event_type = 'countersign." + kind + "'");
  }

  private static void post(String tenant, String token, String key) throws Exception {
    HttpResponse<String> r = gateway.postEvent(tenant, token, key, "order.created", "{\"k\":\"" + key + "\"}");
    assertEquals(202, r.statusCode(), r.body());
  }

  @Test
  void aBurstOf401sRaisesOneAlarmWithTheSigningSecretsAndEndsWhen2xxResume() throws Exception {
    String t = "burst";
    String token = gateway.createTenant(t);
    JsonObject ep = gateway.createEndpoint(t, token, receiver.url("/burst"), "order.created");
    String id = ep.getString("id");
    HttpResponse<String> rotated = gateway.secretCall(t, token, id, "rotate", 1L, "{\"overlap\":\"P1D\"}");
    assertEquals(200, rotated.statusCode());
    assertEquals("no_recent_traffic", gateway.endpoint(t, token, id).getString("adoption"));

    receiver.answer("/burst", 401);
    for (int i = 1; i <= 5; i++) {
      post(t, token, "burst-" + i);
    }
    JsonObject detail = Eventually.awaitValue(WAIT, "the burst's audit row", () -> {
      List<List<Object>> rows = query("SELECT detail::text FROM audit_log WHERE tenant_id = 'burst'"
          + " AND kind = 'signature_rejections_burst'");
      return rows.isEmpty() ? null : new JsonObject((String) rows.get(0).get(0));
    });
    // raised by the fifth rejection, not earlier (it would say fewer)
    assertEquals(5, detail.getInteger("rejections"), detail.encode());
    assertEquals(2, detail.getJsonArray("signingSecrets").size(), "both secrets were signing during the overlap");
    assertTrue(detail.getBoolean("overlapActive"));
    assertEquals("secret_rotated", detail.getString("lastSecretChange"));
    assertTrue(detail.getLong("secondsSinceLastSecretChange") >= 0);
    assertEquals(2L, detail.getLong("version"));
    assertFalse(detail.encode().contains("whsec_"));

    JsonObject view = gateway.endpoint(t, token, id);
    assertEquals("rejecting", view.getString("adoption"), "rejected deliveries during an overlap");
    assertNotNull(view.getJsonObject("signatureRejectionBurst"));
    Eventually.await(WAIT, "the burst's operator event", () -> operatorEvents(t, "signature_rejections_burst") == 1);
    String metrics = gateway.metrics();
    assertTrue(metrics.contains("countersign_signature_rejection_bursts_total{endpoint=\"" + id + "\""), "counted");
    assertTrue(metrics.contains("countersign_signature_rejection_burst{endpoint=\"" + id + "\",tenant=\"burst\"} 1.0"));
    Path log = Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log"));
    Eventually.await(WAIT, "one WARN line for the burst", () -> {
      try {
        return Files.readAllLines(log).stream().anyMatch(l -> l.contains("WARN") && l.contains("rejecting signatures")
            && l.contains(id));
      } catch (java.io.IOException e) {
        return false;
      }
    });

    // more rejections while it lasts raise nothing new; a 2xx ends it
    for (int i = 6; i <= 8; i++) {
      post(t, token, "burst-" + i);
    }
    Eventually.await(WAIT, "eight rejected attempts", () -> count("SELECT count(*) FROM delivery_attempts"
        + " WHERE tenant_id = 'burst' AND status_code = 401") == 8);
    receiver.answer("/burst", 200);
    post(t, token, "burst-ok");
    Eventually.await(WAIT, "the recovery notice", () -> audits(t, "signature_rejections_recovered") == 1);
    Eventually.await(WAIT, "the recovery's operator event", () -> operatorEvents(t, "signature_rejections_recovered") == 1);
    assertEquals(1, audits(t, "signature_rejections_burst"), "one alarm per burst");
    JsonObject healed = gateway.endpoint(t, token, id);
    assertNull(healed.getJsonObject("signatureRejectionBurst"));
    assertFalse("rejecting".equals(healed.getString("adoption")), "a success after the rejections");
    assertTrue(gateway.metrics()
        .contains("countersign_signature_rejection_burst{endpoint=\"" + id + "\",tenant=\"burst\"} 0.0"));

    // a new burst after the recovery counts only rejections after it
    receiver.answer("/burst", 403);
    for (int i = 1; i <= 5; i++) {
      post(t, token, "again-" + i);
    }
    Eventually.await(WAIT, "a second burst", () -> audits(t, "signature_rejections_burst") == 2);
    JsonObject second = new JsonObject((String) query("SELECT detail::text FROM audit_log WHERE tenant_id = 'burst'"
        + " AND kind = 'signature_rejections_burst' ORDER BY audit_id DESC LIMIT 1").get(0).get(0));
    assertEquals(5, second.getInteger("rejections"), second.encode());
  }

  @Test
  void anOverlapEndingUnconfirmedRaisesAReminderOncePerExpiry() throws Exception {
    String t = "remind";
    String token = gateway.createTenant(t);
    JsonObject ep = gateway.createEndpoint(t, token, receiver.url("/remind"));
    String id = ep.getString("id");
    // an overlap of one hour ends within secrets.remindBefore (2 h here) and nobody has confirmed the new secret
    assertEquals(200, gateway.secretCall(t, token, id, "rotate", 1L, "{\"overlap\":\"PT1H\"}").statusCode());
    Eventually.await(WAIT, "the reminder", () -> audits(t, "overlap_ending_unconfirmed") == 1);
    Eventually.await(WAIT, "the reminder's operator event", () -> operatorEvents(t, "overlap_ending_unconfirmed") == 1);
    assertTrue(gateway.endpoint(t, token, id).getBoolean("overlapEndingUnconfirmed"), "the console's badge");

    // extending moves the expiry, which earns one new reminder; the first was not repeated meanwhile
    String later = Instant.now().plus(Duration.ofMinutes(90)).toString();
    assertEquals(200, gateway.secretCall(t, token, id, "extend", 2L, "{\"expiresAt\":\"" + later + "\"}").statusCode());
    Eventually.await(WAIT, "the reminder for the new expiry", () -> audits(t, "overlap_ending_unconfirmed") == 2);
    List<List<Object>> expiries = query("SELECT DISTINCT detail->>'expiresAt' FROM audit_log WHERE tenant_id = 'remind'"
        + " AND kind = 'overlap_ending_unconfirmed'");
    assertEquals(2, expiries.size(), "one reminder per expiry");

    // a receiver that accepts a probe with the new secret clears the badge
    receiver.answer("/remind", 200);
    HttpResponse<String> probe = gateway.secretCall(t, token, id, "probe", 3L, null);
    assertEquals("accepted", new JsonObject(probe.body()).getString("result"), probe.body());
    assertFalse(gateway.endpoint(t, token, id).getBoolean("overlapEndingUnconfirmed"));
  }
}
