package io.countersign.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Management calls' JSON bodies: the handler that reads them (as JSON whatever the Content-Type claims: curl's
 * {@code -d} sends a form type, and a form decoder must never see them), and the object they hold. An empty body
 * counts as {@code {}}; text PostgreSQL cannot store (a NUL character) is refused here, before any SQL.
 */
public final class JsonBodies {
  private JsonBodies() {}

  /** Reads a body of at most {@code limit} bytes for the next handler. */
  public static Handler<RoutingContext> handler(int limit) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(limit);
    return ctx -> {
      String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
      if (type != null && (type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)
          || type.regionMatches(true, 0, "multipart/", 0, 10))) {
        ctx.request().headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
      }
      body.handle(ctx);
    };
  }

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
      if (holdsNul(obj)) {
        throw ApiError.badRequest("invalid_text", "the body holds a NUL character, which cannot be stored");
      }
      return obj;
    }
    throw ApiError.badRequest("invalid_json", "request body must be a JSON object");
  }

  private static boolean holdsNul(Object value) {
    if (value instanceof String s) {
      return s.indexOf('\0') >= 0;
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        if (e.getKey().indexOf('\0') >= 0 || holdsNul(e.getValue())) {
          return true;
        }
      }
    }
    if (value instanceof JsonArray a) {
      for (Object item : a) {
        if (holdsNul(item)) {
          return true;
        }
      }
    }
    return false;
  }
}
