package io.countersign.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single mapping from failures to HTTP answers: {@link ApiError} as is, an unreachable database as 503
 * with {@code Retry-After}, the router's own 404/405/413 as JSON, and everything else logged once as a 500.
 */
public final class ErrorHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);
  /** Statuses the router itself may answer; each gets a JSON body through this handler. */
  public static final int[] ROUTER_STATUSES = {400, 404, 405, 406, 413, 415, 501};

  private final ClientErrors clientErrors;

  public ErrorHandler(ClientErrors clientErrors) {
    this.clientErrors = clientErrors;
  }

  /** Registers this handler for every failure and for the router's own answers. */
  public void install(io.vertx.ext.web.Router router) {
    router.route().failureHandler(this);
    for (int status : ROUTER_STATUSES) {
      router.errorHandler(status, this);
    }
    router.errorHandler(500, this);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    Throwable failure = ctx.failure();
    if (failure != null && !(failure instanceof ApiError) && !ctx.request().isEnded()) {
      // the body was still arriving: a client that went away or sent a broken stream (a bad chunk size), not a
      // database outage or a bug; answered if the connection still stands, then closed
      clientErrors.count(failure instanceof io.vertx.core.http.HttpClosedException ? "client_aborted" : "malformed_body");
      LOG.debug("request stream failed: {}", failure.toString());
      if (!ctx.response().closed()) {
        ctx.response().setStatusCode(400).putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, "close");
        Responses.json(ctx.response(), ApiError.badRequest("malformed_request", "the request body could not be read")
            .toJson());
      }
      return;
    }
    resumeUnreadBody(ctx);
    ApiError error = toApiError(ctx);
    // the error code (rotation_race, idempotency_key_reused, ...) on the request's span; never its detail
    ServerSpans.span(ctx).setAttribute("countersign.error_code", error.code());
    HttpServerResponse response = ctx.response().setStatusCode(error.status());
    if (error.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", Integer.toString(error.retryAfterSeconds()));
    }
    Responses.json(response, error.toJson());
  }

  /** A request paused while it was authenticated would otherwise never be drained. */
  private static void resumeUnreadBody(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      try {
        ctx.request().resume();
      } catch (IllegalStateException alreadyRead) {
        // a body handler consumed it: nothing to drain
      }
    }
  }

  private static ApiError toApiError(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiError api) {
      return api;
    }
    if (failure instanceof DecodeException) {
      return ApiError.badRequest("invalid_json", "request body is not valid JSON");
    }
    if (failure == null || failure instanceof io.vertx.ext.web.handler.HttpException) {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      if (failure instanceof io.vertx.ext.web.handler.HttpException http) {
        status = http.getStatusCode();
      }
      return switch (status) {
        case 400 -> ApiError.badRequest("bad_request", "the request could not be parsed");
        case 401 -> ApiError.unauthorized("missing or invalid bearer token");
        case 404 -> ApiError.notFound("not_found", "no such resource: " + ctx.request().path());
        case 405 -> new ApiError(405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.request().path());
        case 413 -> new ApiError(413, "payload_too_large", "request body exceeds the configured limit");
        case 415 -> new ApiError(415, "unsupported_media_type", "unsupported content type");
        case 406 -> new ApiError(406, "not_acceptable", "only application/json answers are available");
        case 501 -> new ApiError(501, "method_not_implemented", ctx.request().method() + " is not supported");
        default -> status >= 500 ? internal(ctx, failure) : new ApiError(status, "http_" + status, "request failed");
      };
    }
    if (DatabaseErrors.isUnavailable(failure)) {
      LOG.warn("database unavailable for {} {}: {}", ctx.request().method(), ctx.request().path(), failure.toString());
      return ApiError.unavailable("database_unavailable", "the database cannot be reached; nothing was accepted, retry later", 1);
    }
    return internal(ctx, failure);
  }

  private static ApiError internal(RoutingContext ctx, Throwable failure) {
    LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
    return new ApiError(500, "internal_error", "unexpected error; it has been logged");
  }
}
