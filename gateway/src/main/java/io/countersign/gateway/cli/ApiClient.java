package io.countersign.gateway.cli;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The CLI's view of the public HTTP API: one blocking call at a time, JSON in and out. */
final class ApiClient {
  record Answer(int status, JsonObject body, String etag) {
    boolean ok() {
      return status / 100 == 2;
    }

    String code() {
      return body.getString("code", "");
    }

    String detail() {
      return body.getString("detail", body.encode());
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String token;

  ApiClient(String base, String token) {
    this.base = base.replaceAll("/+$", "");
    this.token = token;
  }

  Answer call(String method, String path, JsonObject body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonObject json = r.body() == null || r.body().isBlank() ? new JsonObject() : new JsonObject(r.body());
    return new Answer(r.statusCode(), json, r.headers().firstValue("ETag").orElse(null));
  }

  Answer get(String path) throws Exception {
    return call("GET", path, null, Map.of());
  }
}
