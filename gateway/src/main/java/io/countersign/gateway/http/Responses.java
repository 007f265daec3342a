package io.countersign.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Writes JSON answers with the content type built once. */
public final class Responses {
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  public static final CharSequence ETAG = HttpHeaders.createOptimized("ETag");

  private Responses() {}

  public static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body.toBuffer());
  }

  public static void json(HttpServerResponse response, JsonArray body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body.toBuffer());
  }

  public static void json(HttpServerResponse response, Buffer body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body);
  }

  public static String etag(long version) {
    return "\"" + version + "\"";
  }
}
