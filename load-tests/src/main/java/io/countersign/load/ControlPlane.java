package io.countersign.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The few management calls the tool makes (tenant, endpoints, rotations), over plain blocking HTTP. */
final class ControlPlane {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;

  ControlPlane(String baseUrl) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
  }

  JsonObject call(String method, String path, String token, JsonObject body, Map<String, String> headers, int expect)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body == null ? "" : body.encode()));
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expect) {
      throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }

  String createTenant(String adminToken, String id) throws Exception {
    return call("POST", "/v1/tenants", adminToken, new JsonObject().put("id", id).put("name", "load test " + id),
        Map.of(), 201).getString("token");
  }

  /** Creates an endpoint signing with {@code scheme} ({@code hmac-sha256} or {@code ed25519}). */
  JsonObject createEndpoint(String tenant, String token, String url, String scheme) throws Exception {
    return call("POST", "/v1/tenants/" + tenant + "/endpoints", token,
        new JsonObject().put("url", url).put("eventTypes", new JsonArray()).put("signatureScheme", scheme), Map.of(), 201);
  }

  /**
   * What a receiver holds to verify a creation's or rotation's new key: its HMAC secret, or its Ed25519 public key
   * (the signing key never leaves the gateway).
   */
  static String receiverKey(JsonObject answer) {
    if (answer.getString("secret") != null) {
      return answer.getString("secret");
    }
    JsonObject current = answer.getJsonObject("current");
    return current != null ? current.getString("publicKey")
        : answer.getJsonArray("secrets").getJsonObject(0).getString("publicKey");
  }

  /** Adds a key a receiver holds to its verifier: a {@code whpk_} public key or a {@code whsec_} secret. */
  static io.countersign.signature.WebhookVerifier.Builder hold(io.countersign.signature.WebhookVerifier.Builder b,
      String label, String key) {
    return key.startsWith("whpk_") ? b.publicKey(label, key) : b.secret(label, key);
  }

  JsonObject endpoint(String tenant, String token, String endpointId) throws Exception {
    return call("GET", "/v1/tenants/" + tenant + "/endpoints/" + endpointId, token, null, Map.of(), 200);
  }

  JsonObject secretCall(String tenant, String token, String endpointId, String action, long version, JsonObject body)
      throws Exception {
    return call("POST", "/v1/tenants/" + tenant + "/endpoints/" + endpointId + "/secret/" + action, token,
        body == null ? new JsonObject() : body, Map.of("If-Match", "\"" + version + "\""), 200);
  }
}
