package io.countersign.gateway.endpoints;

import io.countersign.gateway.Ids;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.ingest.IngestRoutes;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.signature.WebhookSecret;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Endpoint management: create (the only answer that carries the secret), list, get, delete. */
public final class EndpointRoutes {
  private static final Pattern EVENT_TYPE = IngestRoutes.EVENT_TYPE;
  private static final int MAX_EVENT_TYPES = 100;

  private final Pool pool;
  private final EndpointStore store;
  private final SecretCipher cipher;
  private final DestinationGuard guard;
  private final Clock clock;

  public EndpointRoutes(Pool pool, EndpointStore store, SecretCipher cipher, DestinationGuard guard, Clock clock) {
    this.pool = pool;
    this.store = store;
    this.cipher = cipher;
    this.guard = guard;
    this.clock = clock;
  }

  public void mount(Router router, BodyHandler jsonBody) {
    String base = "/v1/tenants/:tenant/endpoints";
    router.post(base).handler(jsonBody).handler(this::create);
    router.get(base).handler(this::list);
    router.get(base + "/:endpoint").handler(this::get);
    router.patch(base + "/:endpoint").handler(jsonBody).handler(this::update);
    router.delete(base + "/:endpoint").handler(this::delete);
  }

  private void create(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    JsonObject body = JsonBodies.object(ctx);
    String url = body.getValue("url") instanceof String s ? s : null;
    URI uri = DestinationGuard.parse(url);
    List<String> eventTypes = eventTypes(body.getValue("eventTypes"));
    Integer rateLimit = rateLimit(body.getValue("rateLimitPerSecond"));
    guard.resolve(uri)
        .compose(checked -> insert(principal, url, eventTypes, rateLimit))
        .onSuccess(created -> {
          ctx.response().setStatusCode(201).putHeader(Responses.ETAG, Responses.etag(created.view.getLong("version")));
          Responses.json(ctx.response(), created.view.copy().put("secret", created.secret.reveal()));
        })
        .onFailure(ctx::fail);
  }

  private record Created(JsonObject view, WebhookSecret secret) {}

  private Future<Created> insert(Principal principal, String url, List<String> eventTypes, Integer rateLimit) {
    String tenantId = principal.tenantId();
    String endpointId = Ids.endpoint();
    String secretId = Ids.secret();
    WebhookSecret secret = WebhookSecret.generate();
    byte[] sealed = cipher.encrypt(secret.key(), SecretCipher.binding(tenantId, endpointId, secretId));
    Tuple params = Tuple.of(tenantId, endpointId, url, eventTypes.toArray(String[]::new), secretId,
            Buffer.buffer(sealed), cipher.primaryKeyId(), secret.hint())
        .addOffsetDateTime(java.time.OffsetDateTime.ofInstant(clock.instant(), java.time.ZoneOffset.UTC))
        .addString(principal.actorId())
        .addInteger(rateLimit);
    return pool.preparedQuery(EndpointSql.INSERT).execute(params)
        .map(rows -> new Created(store.view(rows.iterator().next()), secret));
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
    String endpointId = ctx.pathParam("endpoint");
    store.find(Principal.of(ctx).tenantId(), endpointId).onSuccess(row -> {
      if (row == null) {
        ctx.fail(notFound(endpointId));
        return;
      }
      JsonObject view = store.view(row);
      ctx.response().putHeader(Responses.ETAG, Responses.etag(view.getLong("version")));
      Responses.json(ctx.response(), view);
    }).onFailure(ctx::fail);
  }

  /** {@code PATCH}: {@code url}, {@code eventTypes} and {@code enabled}; re-enabling resumes pending deliveries. */
  private void update(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    JsonObject body = JsonBodies.object(ctx);
    Object enabled = body.getValue("enabled");
    if (enabled != null && !(enabled instanceof Boolean)) {
      throw ApiError.badRequest("invalid_enabled", "enabled must be true or false");
    }
    String url = body.containsKey("url") ? String.valueOf(body.getValue("url")) : null;
    String[] types = body.containsKey("eventTypes") ? eventTypes(body.getValue("eventTypes")).toArray(String[]::new) : null;
    Future<?> checked = url == null ? Future.succeededFuture() : guard.resolve(DestinationGuard.parse(url));
    JsonObject detail = new JsonObject();
    body.fieldNames().stream().filter(f -> List.of("url", "eventTypes", "enabled", "rateLimitPerSecond").contains(f))
        .forEach(f -> detail.put(f, body.getValue(f)));
    checked.compose(ok -> pool.preparedQuery(EndpointSql.UPDATE).execute(Tuple.tuple().addString(principal.tenantId())
            .addString(endpointId).addString(url).addArrayOfString(types).addBoolean((Boolean) enabled)
            .addString(principal.actorId()).addString(detail.encode())
            .addBoolean(body.containsKey("rateLimitPerSecond")).addInteger(rateLimit(body.getValue("rateLimitPerSecond")))))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(endpointId))
            : store.find(principal.tenantId(), endpointId))
        .onSuccess(row -> {
          JsonObject view = store.view(row);
          ctx.response().putHeader(Responses.ETAG, Responses.etag(view.getLong("version")));
          Responses.json(ctx.response(), view);
        })
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    pool.preparedQuery(EndpointSql.DELETE).execute(Tuple.of(principal.tenantId(), endpointId, principal.actorId()))
        .onSuccess(rows -> {
          if (rows.size() == 0) {
            ctx.fail(notFound(endpointId));
          } else {
            ctx.response().setStatusCode(204).end();
          }
        }).onFailure(ctx::fail);
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
      if (!(t instanceof String s) || !EVENT_TYPE.matcher(s).matches()) {
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
