package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import io.countersign.gateway.Main;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.countersign.signature.WebhookSecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The event log (listing with filters and a stable cursor, CLI included) and bring-your-own secrets. */
class EventLogIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static JsonObject list(TestGateway gw, String token, String query) throws Exception {
    HttpResponse<String> r = gw.get("/v1/tenants/log/events" + query, token);
    assertEquals(200, r.statusCode(), query + " -> " + r.body());
    return new JsonObject(r.body());
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("data").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    return ids;
  }

  @Test
  void eventsAreListedNewestFirstWithFiltersAndAStableCursor() throws Exception {
    try (TestGateway gw = TestGateway.start(Map.of("delivery.retrySchedule", "1h"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gw.createTenant("log");
      String ok = gw.createEndpoint("log", token, receiver.url("/ok")).getString("id");
      String down = gw.createEndpoint("log", token, receiver.url("/down"), "order.paid").getString("id");
      receiver.answer("/down", 500);
      String[] types = {"order.created", "order.paid", "invoice.sent", "order.created", "order.paid", "invoice.sent"};
      List<String> posted = new ArrayList<>();
      String raw = "{\"a\" : 1 ,\"b\":[ 2 ]}";
      for (int i = 0; i < types.length; i++) {
        HttpResponse<String> r = gw.postEvent("log", token, "key-" + i, types[i], i == 0 ? raw : "{\"i\":" + i + "}");
        assertEquals(202, r.statusCode(), r.body());
        posted.add(new JsonObject(r.body()).getString("id"));
      }
      // every first attempt recorded: the order.paid ones stay pending (their endpoint answers 500, next try in 1 h)
      Eventually.await(WAIT, "first attempts recorded", () -> {
        try {
          JsonObject all = list(gw, token, "");
          // every /ok success recorded (outcomes are written in batches, after the receiver answered) and both
          // /down attempts made
          return all.getJsonArray("data").stream().map(o -> ((JsonObject) o).getJsonObject("deliveries"))
              .mapToLong(d -> d.getLong("delivered")).sum() == 6 && receiver.received("/down").size() >= 2;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });

      List<String> newestFirst = new ArrayList<>(posted);
      java.util.Collections.reverse(newestFirst);
      assertEquals(newestFirst, ids(list(gw, token, "")), "newest first");
      assertEquals(List.of(posted.get(3), posted.get(0)), ids(list(gw, token, "?eventType=order.created")));
      assertEquals(List.of(posted.get(4), posted.get(3), posted.get(1), posted.get(0)),
          ids(list(gw, token, "?eventType=" + URLEncoder.encode("order.*", StandardCharsets.UTF_8))));
      assertEquals(List.of(posted.get(4), posted.get(1)), ids(list(gw, token, "?status=pending")));
      assertEquals(List.of(posted.get(4), posted.get(1)), ids(list(gw, token, "?endpoint=" + down)));
      assertEquals(newestFirst, ids(list(gw, token, "?endpoint=" + ok)));
      assertEquals(List.of(posted.get(2)), ids(list(gw, token, "?idempotencyKey=key-2")));
      JsonObject third = list(gw, token, "?idempotencyKey=key-2").getJsonArray("data").getJsonObject(0);
      String since = third.getString("createdAt");
      assertEquals(newestFirst.subList(0, 4), ids(list(gw, token, "?since=" + since)));
      assertEquals(List.of(posted.get(1), posted.get(0)), ids(list(gw, token, "?until=" + since)));

      // the payload only when asked, and exactly as posted
      HttpResponse<String> withPayload = gw.get("/v1/tenants/log/events?idempotencyKey=key-0&include=payload", token);
      assertTrue(withPayload.body().contains("\"payload\":" + raw), withPayload.body());
      assertFalse(gw.get("/v1/tenants/log/events?idempotencyKey=key-0", token).body().contains("payload"));

      // paging stays stable while new events arrive: no duplicate, no skip
      Set<String> seen = new HashSet<>();
      JsonObject page = list(gw, token, "?limit=2");
      int pages = 0;
      while (true) {
        pages++;
        for (String id : ids(page)) {
          assertTrue(seen.add(id), "no duplicates across pages");
        }
        assertEquals(202, gw.postEvent("log", token, "during-" + pages, "order.created", "{}").statusCode());
        if (page.getString("nextCursor") == null) {
          break;
        }
        page = list(gw, token, "?limit=2&cursor=" + page.getString("nextCursor"));
      }
      assertEquals(new HashSet<>(posted), seen, "every event that existed at the first page, once");

      // bad parameters are 400s that name them
      for (String[] bad : new String[][] {{"status=bogus", "invalid_status"}, {"since=yesterday", "invalid_since"},
          {"until=2026-13-01T00:00:00Z", "invalid_until"}, {"cursor=nonsense", "invalid_cursor"},
          {"limit=many", "invalid_limit"}, {"eventType=bad%20type", "invalid_event_type"},
          {"include=everything", "invalid_include"}}) {
        HttpResponse<String> r = gw.get("/v1/tenants/log/events?" + bad[0], token);
        assertEquals(400, r.statusCode(), bad[0]);
        assertEquals(bad[1], new JsonObject(r.body()).getString("code"), bad[0]);
      }

      // the command line
      StringWriter out = new StringWriter();
      int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
          .execute("events", "list", "--url", gw.url(""), "--token", token, "--tenant", "log", "--event-type", "invoice.*");
      assertEquals(0, exit);
      assertTrue(out.toString().contains(posted.get(5)) && out.toString().contains(posted.get(2)), out.toString());
      assertFalse(out.toString().contains(posted.get(0)), out.toString());
      StringWriter shown = new StringWriter();
      assertEquals(0, Main.commandLine().setOut(new PrintWriter(shown)).execute("events", "show", posted.get(0),
          "--url", gw.url(""), "--token", token, "--tenant", "log"));
      assertTrue(shown.toString().contains("\"deliveries\"") && shown.toString().contains("\"b\""), shown.toString());
    }
  }

  @Test
  void anEndpointsAttemptsAreListedNewestFirstWithTheReceiversAnswerCapped() throws Exception {
    try (TestGateway gw = TestGateway.start(Map.of("delivery.retrySchedule", "200ms,200ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gw.createTenant("att");
      String ep = gw.createEndpoint("att", token, receiver.url("/att")).getString("id");
      receiver.script("/att", 500, 404).answerBody("/att", "x".repeat(3000));
      assertEquals(202, gw.postEvent("att", token, "a-1", "order.created", "{}").statusCode());
      Eventually.await(WAIT, "three attempts", () -> {
        try {
          return new JsonObject(gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts", token).body())
              .getJsonArray("data").size() == 3;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      JsonArray all = new JsonObject(gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts", token).body())
          .getJsonArray("data");
      assertEquals(List.of(200, 404, 500), all.stream().map(o -> ((JsonObject) o).getInteger("statusCode")).toList(),
          "newest first: the success, then the failures");
      for (Object o : all) {
        assertEquals(1024, ((JsonObject) o).getString("responseBody").length(), "the first KiB of the answer, kept");
      }
      JsonArray failures = new JsonObject(gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts?class=4xx", token)
          .body()).getJsonArray("data");
      assertEquals(1, failures.size());
      assertEquals(404, failures.getJsonObject(0).getInteger("statusCode"));
      JsonObject first = new JsonObject(gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts?limit=2", token).body());
      assertEquals(2, first.getJsonArray("data").size());
      JsonObject second = new JsonObject(gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts?limit=2&cursor="
          + first.getString("nextCursor"), token).body());
      assertEquals(1, second.getJsonArray("data").size());
      assertEquals(500, second.getJsonArray("data").getJsonObject(0).getInteger("statusCode"));
      assertEquals(400, gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts?class=3xx", token).statusCode());
      assertEquals(400, gw.get("/v1/tenants/att/endpoints/" + ep + "/attempts?cursor=zz", token).statusCode());
      assertEquals(404, gw.get("/v1/tenants/att/endpoints/ep_nope/attempts", token).statusCode());
    }
  }

  @Test
  void aSuppliedSecretSignsFromTheFirstDeliveryAndIsNeverShownBack() throws Exception {
    try (TestGateway gw = TestGateway.start(Map.of()); FakeReceiver receiver = FakeReceiver.start()) {
      String token = gw.createTenant("byo");
      String secret = WebhookSecret.generate().reveal();   // as exported from the previous system
      HttpResponse<String> created = gw.send("POST", "/v1/tenants/byo/endpoints", token,
          new JsonObject().put("url", receiver.url("/byo")).put("secret", secret).encode(), Map.of());
      assertEquals(201, created.statusCode(), created.body());
      JsonObject body = new JsonObject(created.body());
      assertNull(body.getString("secret"), "a supplied secret is not echoed");
      assertTrue(body.getBoolean("secretSupplied"));
      assertFalse(created.body().contains(secret.substring(6)));
      String id = body.getString("id");

      HttpResponse<String> event = gw.postEvent("byo", token, "byo-1", "order.created", "{\"n\":1}");
      Eventually.await(WAIT, "the delivery", () -> !receiver.accepted("/byo").isEmpty());
      FakeReceiver.Received got = receiver.accepted("/byo").get(0);
      new Webhook(secret).verify(new String(got.body(), StandardCharsets.UTF_8), got.standardWebhookHeaders());
      assertEquals(new JsonObject(event.body()).getString("id"), got.header("webhook-id"));

      // a rotation to a supplied secret keeps every rule, and does not echo it either
      String next = WebhookSecret.generate().reveal();
      HttpResponse<String> rotated = gw.secretCall("byo", token, id, "rotate", 1L,
          new JsonObject().put("secret", next).encode());
      assertEquals(200, rotated.statusCode(), rotated.body());
      assertNull(new JsonObject(rotated.body()).getString("secret"));
      assertEquals(409, gw.secretCall("byo", token, id, "rotate", 1L, new JsonObject().put("secret", next).encode())
          .statusCode(), "compare-and-set as ever");

      // bad secrets: refused without echo, nothing stored
      for (String bad : new String[] {"whsec_" + "A".repeat(8), "whsec_not*base64", "sk_live_abcdef",
          "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[65])}) {
        HttpResponse<String> r = gw.send("POST", "/v1/tenants/byo/endpoints", token,
            new JsonObject().put("url", receiver.url("/bad")).put("secret", bad).encode(), Map.of());
        assertEquals(400, r.statusCode(), bad);
        assertEquals("invalid_secret", new JsonObject(r.body()).getString("code"));
        assertFalse(r.body().contains(bad), "the bad secret is not echoed");
      }
      JsonArray endpoints = new JsonObject(gw.get("/v1/tenants/byo/endpoints", token).body()).getJsonArray("data");
      assertEquals(1, endpoints.size(), "nothing stored for the refused ones");
    }
  }
}
