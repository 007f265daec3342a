package io.countersign.gateway.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/** The CLI's view of the public HTTP API: one blocking call at a time, JSON in and out. */
final class ApiClient {
  record Answer(int status, JsonObject body, String etag, boolean replayed) {
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

  Answer call(String method, String path, JsonObject body, Map<String, String> headers) throws InterruptedException {
    try {
      return send(method, path, body, headers);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /**
   * A state-changing call that carries an Idempotency-Key: if its answer is lost to the network, it is sent once
   * more with the same key, which cannot apply it twice.
   */
  Answer callOnce(String method, String path, JsonObject body, Map<String, String> headers) throws InterruptedException {
    try {
      return send(method, path, body, headers);
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw unreachable(e);   // never sent: nothing to retry safely beyond what the user does next
    } catch (IOException first) {
      return call(method, path, body, headers);
    }
  }

  Answer get(String path) throws InterruptedException {
    return call("GET", path, null, Map.of());
  }

  private Answer send(String method, String path, JsonObject body, Map<String, String> headers)
      throws IOException, InterruptedException {
    URI uri;
    try {
      uri = URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw new Commands.CliException(Commands.USAGE, "invalid gateway URL or path: " + base + path);
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonObject json;
    try {
      json = r.body() == null || r.body().isBlank() ? new JsonObject() : new JsonObject(r.body());
    } catch (DecodeException e) {
      throw new Commands.CliException(Commands.FAILED, base + " answered " + r.statusCode()
          + " with something that is not Countersign's JSON; is --url the gateway?");
    }
    return new Answer(r.statusCode(), json, r.headers().firstValue("ETag").orElse(null),
        r.headers().firstValue("Idempotent-Replayed").isPresent());
  }

  private Commands.CliException unreachable(IOException e) {
    String why = e instanceof HttpTimeoutException ? "timed out"
        : e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
    return new Commands.CliException(Commands.UNREACHABLE, "cannot reach the gateway at " + base + " (" + why
        + "); is it running, and is --url (or COUNTERSIGN_URL) right?");
  }
}
