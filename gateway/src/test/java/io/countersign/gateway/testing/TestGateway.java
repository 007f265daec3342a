package io.countersign.gateway.testing;

import io.countersign.gateway.Gateway;
import io.countersign.gateway.config.ConfigLoader;
import io.countersign.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A real gateway on a fresh database and a free loopback port, with test-friendly settings (private networks
 * allowed, short retries), and a small HTTP client for its API.
 *
 * <pre>{@code
 * try (TestGateway gw = TestGateway.start(Map.of("delivery.retrySchedule", "1s"))) {
 *   String token = gw.createTenant("acme");
 * }
 * }</pre>
 */
public final class TestGateway implements AutoCloseable {
  public static final String ADMIN_TOKEN = "test-admin-token";

  private final Gateway gateway;
  private final String databaseUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(Gateway gateway, String databaseUrl) {
    this.gateway = gateway;
    this.databaseUrl = databaseUrl;
  }

  public static TestGateway start(Map<String, String> overrides) throws Exception {
    return start(TestDatabases.fresh(), overrides);
  }

  public static TestGateway start(String databaseUrl, Map<String, String> overrides) throws Exception {
    return start(databaseUrl, overrides, java.time.Clock.systemUTC());
  }

  public static TestGateway start(String databaseUrl, Map<String, String> overrides, java.time.Clock clock)
      throws Exception {
    return new TestGateway(Gateway.start(config(databaseUrl, overrides), clock), databaseUrl);
  }

  /** With the given tracing (an SDK with an in-memory exporter, say), closed with the gateway. */
  public static TestGateway start(String databaseUrl, Map<String, String> overrides,
      io.countersign.gateway.tracing.Tracing tracing) throws Exception {
    return new TestGateway(Gateway.start(config(databaseUrl, overrides), java.time.Clock.systemUTC(), () -> { },
        tracing), databaseUrl);
  }

  public static GatewayConfig config(String databaseUrl, Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>();
    all.put("admin.token", ADMIN_TOKEN);
    all.put("http.port", "0");
    all.put("http.host", "127.0.0.1");
    all.put("management.port", "0");
    all.put("database.url", databaseUrl == null ? "" : databaseUrl);
    all.put("delivery.allowPrivateNetworks", "true");
    all.put("delivery.retrySchedule", "1s,2s");
    all.put("delivery.timeout", "2s");
    all.put("delivery.leaseDuration", "5s");
    all.put("delivery.pollInterval", "200ms");
    all.put("secrets.masterKey", randomKey());
    all.putAll(overrides);
    return ConfigLoader.load(Optional.empty(), Map.of(), all);
  }

  public static String randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  public String databaseUrl() {
    return databaseUrl;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  public Gateway gateway() {
    return gateway;
  }

  /** The Prometheus text from the management port. */
  public String metrics() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Creates a tenant and returns its API token. */
  public String createTenant(String id) throws Exception {
    HttpResponse<String> r = send("POST", "/v1/tenants", ADMIN_TOKEN, new JsonObject().put("id", id).put("name", id).encode(), Map.of());
    if (r.statusCode() != 201) {
      throw new AssertionError("tenant creation failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getString("token");
  }

  /** Creates an endpoint and returns the 201 body (which holds the secret). */
  public JsonObject createEndpoint(String tenant, String token, String url, String... eventTypes) throws Exception {
    JsonObject body = new JsonObject().put("url", url).put("eventTypes", new JsonArray(List.of((Object[]) eventTypes)));
    HttpResponse<String> r = send("POST", "/v1/tenants/" + tenant + "/endpoints", token, body.encode(), Map.of());
    if (r.statusCode() != 201) {
      throw new AssertionError("endpoint creation failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  public HttpResponse<String> postEvent(String tenant, String token, String key, String type, String body) throws Exception {
    return postEventAsync(tenant, token, key, type, body).get();
  }

  public CompletableFuture<HttpResponse<String>> postEventAsync(String tenant, String token, String key, String type,
      String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url("/v1/tenants/" + tenant + "/events")))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    if (type != null) {
      b.header("Event-Type", type);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> checked("POST", "/v1/tenants/" + tenant + "/events", r));
  }

  /** Every answer recorded here is held to openapi.yaml ({@link ApiContract}). */
  private static HttpResponse<String> checked(String method, String pathAndQuery, HttpResponse<String> r) {
    int q = pathAndQuery.indexOf('?');
    ApiContract.check(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q), r.statusCode(), r.body());
    return r;
  }

  /** A secret-changing call with {@code If-Match: "<version>"} (or none when version is null). */
  public HttpResponse<String> secretCall(String tenant, String token, String endpointId, String action, Long version,
      String body) throws Exception {
    Map<String, String> headers = version == null ? Map.of() : Map.of("If-Match", "\"" + version + "\"");
    return send("POST", "/v1/tenants/" + tenant + "/endpoints/" + endpointId + "/secret/" + action, token,
        body == null ? "{}" : body, headers);
  }

  public CompletableFuture<HttpResponse<String>> secretCallAsync(String tenant, String token, String endpointId,
      String action, long version, String body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url("/v1/tenants/" + tenant + "/endpoints/" + endpointId
            + "/secret/" + action)))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .header("If-Match", "\"" + version + "\"")
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> checked("POST", "/v1/tenants/" + tenant + "/endpoints/" + endpointId + "/secret/" + action, r));
  }

  /** {@code PATCH} of an endpoint with {@code If-Match} on the version it has now, as an operator's page would. */
  public HttpResponse<String> patchEndpoint(String tenant, String token, String endpointId, String body) throws Exception {
    long version = endpoint(tenant, token, endpointId).getLong("version");
    return send("PATCH", "/v1/tenants/" + tenant + "/endpoints/" + endpointId, token, body,
        Map.of("If-Match", "\"" + version + "\""));
  }

  /** The endpoint as the API shows it. */
  public JsonObject endpoint(String tenant, String token, String endpointId) throws Exception {
    HttpResponse<String> r = get("/v1/tenants/" + tenant + "/endpoints/" + endpointId, token);
    if (r.statusCode() != 200) {
      throw new AssertionError("endpoint read failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  public HttpResponse<String> get(String path, String token) throws Exception {
    return send("GET", path, token, null, Map.of());
  }

  public HttpResponse<String> send(String method, String path, String token, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null && !headers.containsKey("Content-Type")) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    return checked(method, path, http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  @Override
  public void close() {
    gateway.close();
  }
}
