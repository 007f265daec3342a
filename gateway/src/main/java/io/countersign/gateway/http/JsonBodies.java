package io.countersign.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Reads a management call's JSON object body; an empty body counts as {@code {}}. */
public final class JsonBodies {
  private JsonBodies() {}

  public static JsonObject object(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      return new JsonObject();
    }
    Object value;
    try {
      value = buffer.toJsonValue();
    } catch (DecodeException e) {
      throw ApiError.badRequest("invalid_json", "request body is not valid JSON");
    }
    if (value instanceof JsonObject obj) {
      return obj;
    }
    throw ApiError.badRequest("invalid_json", "request body must be a JSON object");
  }
}
