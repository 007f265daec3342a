package io.countersign.gateway.http;

import io.vertx.core.json.JsonObject;

/**
 * The one error type that reaches clients: an HTTP status, a stable machine {@code code} and a human {@code detail}.
 * Anything else that fails a request is logged once and answered as a bare 500.
 *
 * <pre>{@code
 * throw ApiError.badRequest("missing_idempotency_key", "Idempotency-Key header is required");
 * return Future.failedFuture(ApiError.conflict("tenant_exists", "tenant acme already exists"));
 * }</pre>
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;
  private final JsonObject extra;
  private final Integer retryAfterSeconds;

  public ApiError(int status, String code, String detail) {
    this(status, code, detail, null, null);
  }

  private ApiError(int status, String code, String detail, JsonObject extra, Integer retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiError badRequest(String code, String detail) {
    return new ApiError(400, code, detail);
  }

  public static ApiError unauthorized(String detail) {
    return new ApiError(401, "unauthorized", detail);
  }

  public static ApiError notFound(String code, String detail) {
    return new ApiError(404, code, detail);
  }

  public static ApiError conflict(String code, String detail) {
    return new ApiError(409, code, detail);
  }

  public static ApiError unavailable(String code, String detail, int retryAfterSeconds) {
    return new ApiError(503, code, detail, null, retryAfterSeconds);
  }

  /** Adds fields beside {@code code} and {@code detail}, e.g. {@code currentVersion} on a lost race. */
  public ApiError with(JsonObject fields) {
    return new ApiError(status, code, getMessage(), fields, retryAfterSeconds);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("code", code).put("detail", getMessage());
    if (extra != null) {
      json.mergeIn(extra);
    }
    return json;
  }
}
