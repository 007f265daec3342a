package io.countersign.gateway.endpoints;

import io.countersign.gateway.outbound.DestinationGuard;

import io.countersign.gateway.support.Ids;
import io.countersign.gateway.support.TokenGrammar;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.IfMatch;
import io.countersign.gateway.idempotency.OperatorRequests;
import io.countersign.gateway.idempotency.OperatorRequests.Answer;
import io.countersign.gateway.ingest.IngestRoutes;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.secrets.IssuedKey;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.signature.SignatureScheme;
import io.countersign.signature.WebhookSecret;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Endpoint management: create (the only answer that carries the secret, besides a rotation), list, get, change and
 * delete. Changes and deletes are compare-and-set on the version the operator saw ({@code If-Match}), and every
 * state-changing call accepts an {@code Idempotency-Key} ({@link OperatorRequests}).
 */
public final class EndpointRoutes {
  private static final TokenGrammar EVENT_TYPE = IngestRoutes.EVENT_TYPE;
  private static final int MAX_EVENT_TYPES = 100;

  private final EndpointService endpoints;
  private final EndpointStore store;
  private final SecretCipher cipher;
  private final DestinationGuard guard;

  private final int maxHeaders;
  private final int maxHeaderBytes;

  public EndpointRoutes(EndpointService endpoints, EndpointStore store, SecretCipher cipher, DestinationGuard guard,
      int maxHeaders, int maxHeaderBytes) {
    this.endpoints = endpoints;
    this.maxHeaders = maxHeaders;
    this.maxHeaderBytes = maxHeaderBytes;
    this.store = store;
    this.cipher = cipher;
    this.guard = guard;
  }

  public void mount(Router router, Handler<RoutingContext> jsonBody) {
    String base = "/v1/tenants/:tenant/endpoints";
    router.post(base).handler(jsonBody).handler(this::create);
    router.get(base).handler(this::list);
    router.get(base + "/:endpoint").handler(this::get);
    router.patch(base + "/:endpoint").handler(jsonBody).handler(this::update);
    router.delete(base + "/:endpoint").handler(this::delete);
    router.get(base + "/:endpoint/public-keys").handler(this::publicKeys);
  }

  private void create(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    JsonObject body = JsonBodies.object(ctx);
    String url = body.getValue("url") instanceof String s ? s : null;
    URI uri = DestinationGuard.parse(url);
    List<String> eventTypes = eventTypes(body.getValue("eventTypes"));
    Integer rateLimit = rateLimit(body.getValue("rateLimitPerSecond"));
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    IssuedKey issued = KeyRequest.parse(body.getValue("signatureScheme"), body.getValue("secret"))
        .issue(SignatureScheme.HMAC_SHA256);
    boolean forwardTraceparent = Boolean.TRUE.equals(forwardTraceparent(body.getValue("forwardTraceparent")));
    Map<String, String> headers = CustomHeaders.parse(body.getValue("headers"), maxHeaders, maxHeaderBytes);
    guard.resolve(uri)
        .compose(checked -> endpoints.create(key, principal, issued,
            new EndpointService.NewEndpoint(url, eventTypes, rateLimit, headers, forwardTraceparent)))
        .compose(answer -> withSecret(answer, issued, store, cipher, principal.tenantId()))
        .onSuccess(answer -> OperatorRequests.reply(ctx, answer))
        .onFailure(ctx::fail);
  }

  /**
   * Puts the secret an answer issued into it: {@code issued}'s on a first answer; on a replay the one it issued,
   * read back from the endpoint only while it is still the current secret (after that it is never shown again:
   * 409). A secret the caller supplied ({@code secretSupplied} in the answer) is never shown back, and an Ed25519
   * signing key never at all: the answer carries its public key.
   */
  public static Future<Answer> withSecret(Answer answer, IssuedKey issued, EndpointStore store, SecretCipher cipher,
      String tenantId) {
    if (Boolean.TRUE.equals(answer.body().getBoolean("secretSupplied"))
        || SignatureScheme.ED25519.wireName().equals(answer.body().getString("signatureScheme"))) {
      return Future.succeededFuture(answer);
    }
    if (!answer.replayed()) {
      return Future.succeededFuture(new Answer(answer.status(), answer.body().copy().put("secret", issued.reveal()),
          answer.endpointId(), answer.secretId()));
    }
    return store.find(tenantId, answer.endpointId()).compose(row -> {
      if (row == null || !answer.secretId().equals(row.getString("current_secret_id"))) {
        return Future.failedFuture(ApiError.conflict("secret_superseded", "this request already ran, and the secret"
            + " it issued (" + answer.secretId() + ") is no longer the endpoint's current secret, so it is not shown"
            + " again; read the endpoint to see what changed since (its audit log names who changed it)"));
      }
      byte[] key = cipher.decrypt(row.getString("current_key_id"), row.getBuffer("current_secret").getBytes(),
          SecretCipher.binding(tenantId, answer.endpointId(), answer.secretId()));
      return Future.succeededFuture(new Answer(answer.status(), answer.body().copy()
          .put("secret", WebhookSecret.ofKey(key).reveal()), answer.endpointId(), answer.secretId(), true));
    });
  }

  private void list(RoutingContext ctx) {
    store.list(Principal.of(ctx).tenantId()).onSuccess(rows -> {
      JsonArray data = new JsonArray();
      for (Row row : rows) {
        data.add(store.view(row));
      }
      Responses.json(ctx.response(), new JsonObject().put("data", data));
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    replyWithVersion(ctx, store::view);
  }

  /** Reads the endpoint and answers {@code view} of it with its version as ETag, or 404. */
  private void replyWithVersion(RoutingContext ctx, java.util.function.Function<Row, JsonObject> view) {
    String endpointId = ctx.pathParam("endpoint");
    store.find(Principal.of(ctx).tenantId(), endpointId).onSuccess(row -> {
      if (row == null) {
        ctx.fail(notFound(endpointId));
        return;
      }
      ctx.response().putHeader(Responses.ETAG, Responses.etag(row.getLong("version")));
      Responses.json(ctx.response(), view.apply(row));
    }).onFailure(ctx::fail);
  }

  /** The Ed25519 public keys receivers should accept now ({@link EndpointStore#publicKeys}); not secrets. */
  private void publicKeys(RoutingContext ctx) {
    replyWithVersion(ctx, store::publicKeys);
  }

  /**
   * {@code PATCH} with {@code If-Match}: {@code url}, {@code eventTypes}, {@code enabled} and
   * {@code rateLimitPerSecond}; re-enabling resumes pending deliveries.
   */
  private void update(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    long expected = IfMatch.require(ctx);
    JsonObject body = JsonBodies.object(ctx);
    if (body.containsKey("signatureScheme") || body.containsKey("secret")) {
      throw ApiError.badRequest("use_rotation", "an endpoint's key or signature scheme changes only by rotation, so"
          + " receivers get an overlap: POST .../secret/rotate {\"signatureScheme\": ...} with If-Match");
    }
    Object enabled = body.getValue("enabled");
    if (enabled != null && !(enabled instanceof Boolean)) {
      throw ApiError.badRequest("invalid_enabled", "enabled must be true or false");
    }
    Boolean forwardTraceparent = forwardTraceparent(body.getValue("forwardTraceparent"));
    Object releaseHeld = body.getValue("releaseHeld");
    if (releaseHeld != null && !(releaseHeld instanceof Boolean)) {
      throw ApiError.badRequest("invalid_release_held", "releaseHeld must be true or false");
    }
    String url = body.containsKey("url") ? String.valueOf(body.getValue("url")) : null;
    String[] types = body.containsKey("eventTypes") ? eventTypes(body.getValue("eventTypes")).toArray(String[]::new) : null;
    Integer rateLimit = rateLimit(body.getValue("rateLimitPerSecond"));
    boolean changeHeaders = body.containsKey("headers");
    Map<String, String> headers = CustomHeaders.parse(body.getValue("headers"), maxHeaders, maxHeaderBytes);
    Future<?> checked = url == null ? Future.succeededFuture() : guard.resolve(DestinationGuard.parse(url));
    JsonObject detail = new JsonObject();
    body.fieldNames().stream()
        .filter(f -> List.of("url", "eventTypes", "enabled", "rateLimitPerSecond", "releaseHeld", "forwardTraceparent")
            .contains(f))
        .forEach(f -> detail.put(f, body.getValue(f)));
    if (changeHeaders) {
      // names only: a value may be a credential
      detail.put("headers", new JsonArray(new ArrayList<>(headers.keySet())));
    }
    EndpointService.Change change = new EndpointService.Change(url, types, (Boolean) enabled,
        body.containsKey("rateLimitPerSecond"), rateLimit, changeHeaders ? headers : null,
        Boolean.TRUE.equals(releaseHeld), forwardTraceparent, detail);
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    checked.compose(ok -> endpoints.update(key, principal, endpointId, expected, change))
        .onSuccess(answer -> OperatorRequests.reply(ctx, answer))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    long expected = IfMatch.require(ctx);
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    endpoints.delete(key, principal, endpointId, expected)
        .onSuccess(answer -> OperatorRequests.reply(ctx, answer))
        .onFailure(ctx::fail);
  }

  /** Absent (null) or a boolean: whether attempts carry a W3C traceparent header to the receiver. */
  private static Boolean forwardTraceparent(Object value) {
    if (value != null && !(value instanceof Boolean)) {
      throw ApiError.badRequest("invalid_forward_traceparent", "forwardTraceparent must be true or false");
    }
    return (Boolean) value;
  }

  /** null (no limit) or 1-100000 sends per second. */
  private static Integer rateLimit(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer n) || n < 1 || n > 100_000) {
      throw ApiError.badRequest("invalid_rate_limit", "rateLimitPerSecond must be an integer from 1 to 100000, or null");
    }
    return n;
  }

  public static ApiError notFound(String endpointId) {
    return ApiError.notFound("endpoint_not_found", "no endpoint " + endpointId + " in this tenant");
  }

  private static List<String> eventTypes(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw ApiError.badRequest("invalid_event_types", "eventTypes must be an array of strings");
    }
    if (array.size() > MAX_EVENT_TYPES) {
      throw ApiError.badRequest("invalid_event_types", "at most " + MAX_EVENT_TYPES + " event types per endpoint");
    }
    List<String> types = new ArrayList<>();
    for (Object t : array) {
      if (!(t instanceof String s) || !EVENT_TYPE.matches(s)) {
        throw ApiError.badRequest("invalid_event_types",
            "each event type must match " + EVENT_TYPE.pattern());
      }
      if (!types.contains(s)) {
        types.add(s);
      }
    }
    return types;
  }
}
