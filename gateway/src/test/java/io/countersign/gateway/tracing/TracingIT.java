package io.countersign.gateway.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenTelemetry end to end, with the SDK's in-memory exporter: one event fanned out to two endpoints, one of which
 * fails once, is one trace continuing the sender's; its spans have the right parents; an endpoint that opted in
 * gets a traceparent; secret operations are spans too; no attribute carries secret material; log lines written
 * under an attempt's span carry its ids.
 */
class TracingIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(EXPORTER)).build())
        .build();
    gateway = TestGateway.start(TestDatabases.fresh(), Map.of("delivery.retrySchedule", "200ms"), Tracing.of(sdk));
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  private static List<SpanData> spansOf(String traceId) {
    return EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
  }

  private static List<SpanData> named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).toList();
  }

  private static JsonObject createEndpoint(String tenant, String token, String path, boolean forward) throws Exception {
    HttpResponse<String> r = gateway.send("POST", "/v1/tenants/" + tenant + "/endpoints", token, new JsonObject()
        .put("url", receiver.url(path)).put("eventTypes", new JsonArray().add("traced")).put("forwardTraceparent", forward)
        .encode(), Map.of());
    assertEquals(201, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  /** Every attribute value and span name, to search for secret material. */
  private static String everything() {
    StringBuilder all = new StringBuilder();
    for (SpanData s : EXPORTER.getFinishedSpanItems()) {
      all.append(s.getName()).append(' ').append(s.getAttributes()).append(' ').append(s.getStatus()).append('\n');
      s.getEvents().forEach(e -> all.append(e.getName()).append(e.getAttributes()).append('\n'));
    }
    return all.toString();
  }

  @Test
  void oneEventToTwoEndpointsOneFailingOnceIsOneTraceContinuingTheSenders() throws Exception {
    String token = gateway.createTenant("traced");
    JsonObject ok = createEndpoint("traced", token, "/ok", false);
    JsonObject flaky = createEndpoint("traced", token, "/flaky", true);
    assertEquals(Boolean.TRUE, flaky.getBoolean("forwardTraceparent"));
    receiver.script("/flaky", 500);
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String senderSpan = "00f067aa0ba902b7";
    HttpResponse<String> posted = gateway.send("POST", "/v1/tenants/traced/events", token, "{\"order\":1}",
        Map.of("Idempotency-Key", "traced-1", "Event-Type", "traced", "traceparent",
            "00-" + traceId + "-" + senderSpan + "-01"));
    assertEquals(202, posted.statusCode(), posted.body());
    String eventId = new JsonObject(posted.body()).getString("id");

    // all three attempts made and all three outcomes written: 1 ingest + 3 attempts + 3 outcome writes
    Eventually.await(WAIT, "the trace's spans", () -> named(spansOf(traceId), "deliver").size() == 3
        && named(spansOf(traceId), "record outcome").size() == 3);
    List<SpanData> trace = spansOf(traceId);
    List<SpanData> ingest = named(trace, "POST /v1/tenants/:tenant/events");
    assertEquals(1, ingest.size(), trace.toString());
    SpanData server = ingest.get(0);
    assertEquals(SpanKind.SERVER, server.getKind());
    assertEquals(senderSpan, server.getParentSpanId(), "the sender's traceparent is the ingest span's parent");
    assertEquals(eventId, server.getAttributes().get(AttributeKey.stringKey("countersign.event_id")));
    assertTrue(server.getAttributes().get(AttributeKey.longKey("countersign.claim.batch_size")) >= 1);
    assertEquals(202L, server.getAttributes().get(AttributeKey.longKey("http.response.status_code")));

    List<SpanData> attempts = named(trace, "deliver");
    Set<String> attemptIds = new HashSet<>();
    List<String> seen = new ArrayList<>();
    for (SpanData a : attempts) {
      assertEquals(SpanKind.CLIENT, a.getKind());
      assertEquals(server.getSpanId(), a.getParentSpanId(), "every attempt, the retry too, is a child of the ingest span");
      attemptIds.add(a.getSpanId());
      seen.add(a.getAttributes().get(AttributeKey.stringKey("countersign.endpoint_id")) + "#"
          + a.getAttributes().get(AttributeKey.longKey("countersign.attempt")) + "="
          + a.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    }
    assertEquals(Set.of(ok.getString("id") + "#1=200", flaky.getString("id") + "#1=500",
        flaky.getString("id") + "#2=200"), Set.copyOf(seen));
    for (SpanData w : named(trace, "record outcome")) {
      assertTrue(attemptIds.contains(w.getParentSpanId()), "an outcome write is a child of its attempt");
    }
    assertEquals(attemptIds, named(trace, "record outcome").stream().map(SpanData::getParentSpanId)
        .collect(Collectors.toSet()), "each attempt's outcome was written");

    // only the endpoint that opted in gets a traceparent: this trace, naming the attempt that carried it
    assertNull(receiver.received("/ok").get(0).header("traceparent"));
    for (FakeReceiver.Received r : receiver.received("/flaky")) {
      String[] parts = r.header("traceparent").split("-");
      assertEquals(traceId, parts[1]);
      assertTrue(attemptIds.contains(parts[2]), "the parent is the attempt's span");
    }
    assertFalse(everything().contains(token), "no token in any span");
    assertFalse(everything().contains("whsec_"));
    assertFalse(everything().contains(ok.getString("secret").substring(6, 26)));
    assertFalse(everything().contains(receiver.url("/ok")), "no URL (it may hold a credential) in any span");
  }

  @Test
  void aRotationAndItsLostRaceAreSpansWithoutSecretMaterial() throws Exception {
    String token = gateway.createTenant("rotor");
    JsonObject endpoint = createEndpoint("rotor", token, "/rotor", false);
    String id = endpoint.getString("id");
    HttpResponse<String> rotated = gateway.secretCall("rotor", token, id, "rotate", 1L, null);
    assertEquals(200, rotated.statusCode());
    assertEquals(409, gateway.secretCall("rotor", token, id, "rotate", 1L, null).statusCode());
    String route = "POST /v1/tenants/:tenant/endpoints/:endpoint/secret/rotate";
    Eventually.await(WAIT, "both rotation spans among " + EXPORTER.getFinishedSpanItems().stream()
        .map(s -> s.getName() + s.getAttributes()).toList(), () -> EXPORTER.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(route) && id.equals(s.getAttributes().get(AttributeKey.stringKey(
            "countersign.endpoint_id")))).count() == 2);
    List<SpanData> spans = EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getName().equals(route)
        && id.equals(s.getAttributes().get(AttributeKey.stringKey("countersign.endpoint_id")))).toList();
    Set<String> outcomes = new HashSet<>();
    for (SpanData s : spans) {
      assertEquals("rotate", s.getAttributes().get(AttributeKey.stringKey("countersign.secret.action")));
      assertEquals(1L, s.getAttributes().get(AttributeKey.longKey("countersign.if_match")));
      Long version = s.getAttributes().get(AttributeKey.longKey("countersign.version"));
      String error = s.getAttributes().get(AttributeKey.stringKey("countersign.error_code"));
      outcomes.add(version != null ? "version " + version : error);
    }
    assertEquals(Set.of("version 2", "rotation_race"), outcomes);
    String newSecret = new JsonObject(rotated.body()).getString("secret");
    String all = everything();
    for (String secret : List.of(endpoint.getString("secret"), newSecret)) {
      String b64 = secret.substring("whsec_".length());
      assertFalse(all.contains(b64.substring(0, 20)), "no secret in any span");
    }
    assertFalse(all.contains("whsec_"));
  }

  @Test
  void aLogLineWrittenUnderAnAttemptCarriesItsTraceAndSpanIds() throws Exception {
    String token = gateway.createTenant("gone");
    createEndpoint("gone", token, "/gone", false);
    receiver.answer("/gone", 410);
    HttpResponse<String> posted = gateway.send("POST", "/v1/tenants/gone/events", token, "{}",
        Map.of("Idempotency-Key", "gone-1", "Event-Type", "traced"));
    assertEquals(202, posted.statusCode());
    String eventId = new JsonObject(posted.body()).getString("id");
    Path log = Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log"));
    Eventually.await(WAIT, "the 410 log line", () -> {
      try {
        return Files.readString(log).lines().anyMatch(l -> l.contains("endpoint disabled") && l.contains(eventId));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    });
    String line = Files.readString(log).lines().filter(l -> l.contains("endpoint disabled") && l.contains(eventId))
        .findFirst().orElseThrow();
    SpanData attempt = EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getName().equals("deliver")
        && eventId.equals(s.getAttributes().get(AttributeKey.stringKey("countersign.event_id")))).findFirst().orElseThrow();
    assertTrue(line.contains("trace_id=" + attempt.getTraceId()), line);
    assertTrue(line.contains("span_id=" + attempt.getSpanId()), line);
  }
}
