package io.countersign.gateway.endpoints;

import io.countersign.gateway.support.Ids;
import static io.countersign.gateway.support.Wire.utc;
import io.countersign.gateway.config.Durations;
import io.countersign.gateway.config.GatewayConfig;
import io.countersign.gateway.outbound.ReceiverAnswers;
import io.countersign.gateway.outbound.Sender;
import io.countersign.gateway.outbound.SigningKeys;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.secrets.IssuedKey;
import io.countersign.gateway.secrets.RaceAlerts;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.gateway.secrets.SecretService;
import io.countersign.gateway.secrets.SecretState;
import io.countersign.gateway.secrets.SecretTransitions;
import io.countersign.gateway.http.ServerSpans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.countersign.gateway.http.IfMatch;
import io.countersign.gateway.http.Instants;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.idempotency.OperatorRequests;
import io.countersign.gateway.idempotency.OperatorRequests.Answer;
import io.countersign.gateway.http.Principal;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Secret lifecycle calls, the HTTP edge of an endpoint's secret sub-resource ({@link SecretService} writes). Each
 * change requires {@code If-Match: "<version>"}, computes the new state with
 * {@link SecretTransitions} and writes it with one compare-and-set statement that also writes the audit rows.
 * A lost race answers 409 {@code rotation_race} naming the change that won, who made it and when
 * ({@link Conflicts}), and nothing else: in particular no secret, and no hint of the secret that did not land.
 * Every call accepts an {@code Idempotency-Key}: its retry answers the first answer, a rotation's with the same
 * secret while that secret is still current ({@link OperatorRequests}).
 */
public final class SecretRoutes {

  private final SecretChanges changes;
  private final EndpointStore store;
  private final SecretService secrets;
  private final SecretCipher cipher;
  private final Sender sender;
  private final GatewayConfig.Secrets config;
  private final Clock clock;

  public SecretRoutes(EndpointStore store, OperatorRequests requests, SecretService secrets, RaceAlerts alerts,
      SecretCipher cipher, Sender sender, GatewayConfig.Secrets config, Clock clock) {
    this.changes = new SecretChanges(store, requests, secrets, alerts, clock);
    this.store = store;
    this.secrets = secrets;
    this.cipher = cipher;
    this.sender = sender;
    this.config = config;
    this.clock = clock;
  }

  public void mount(Router router, Handler<RoutingContext> jsonBody) {
    String base = "/v1/tenants/:tenant/endpoints/:endpoint/secret";
    router.post(base + "/rotate").handler(jsonBody).handler(this::rotate);
    router.post(base + "/extend").handler(jsonBody).handler(this::extend);
    router.post(base + "/expire-previous").handler(jsonBody).handler(this::expirePrevious);
    router.post(base + "/rollback").handler(jsonBody).handler(this::rollback);
    router.post(base + "/probe").handler(jsonBody).handler(this::probe);
  }

  /**
   * Issues a new key and makes it current by compare-and-set. {@code signatureScheme} switches the scheme (absent:
   * the current one's); during the overlap the old key, HMAC or Ed25519, keeps signing beside the new one.
   */
  private void rotate(RoutingContext ctx) {
    long expected = IfMatch.require(ctx);
    JsonObject body = JsonBodies.object(ctx);
    Duration overlap = overlap(body.getValue("overlap"));
    boolean dropPrevious = Boolean.TRUE.equals(body.getValue("dropPrevious"));
    KeyRequest request = KeyRequest.parse(body.getValue("signatureScheme"), body.getValue("secret"));
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    Span span = traced(ctx, "rotate", endpointId, expected);
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    String secretId = Ids.secret();
    // issued and sealed before the compare-and-set (the scheme defaults to the state it reads), revealed only after
    // it succeeded
    IssuedKey[] issued = new IssuedKey[1];
    changes.apply(key, principal, endpointId, expected, "rotate", (state, now) -> {
              issued[0] = request.issue(state.current().scheme());
              byte[] sealed = cipher.encrypt(issued[0].material(),
                  SecretCipher.binding(principal.tenantId(), endpointId, secretId));
              return SecretTransitions.rotate(state, issued[0].entry(secretId, cipher.primaryKeyId(), sealed, now), now,
                  overlap, dropPrevious);
            }, false, applied -> new Answer(200, issued[0].supplied() ? rotated(applied).put("secretSupplied", true)
                : rotated(applied), endpointId, secretId))
        .compose(answer -> EndpointRoutes.withSecret(answer, issued[0], store, cipher, principal.tenantId()))
        .onSuccess(answer -> {
          // ids and versions only: the new secret id and scheme are not secret, the value never goes near a span
          span.setAttribute(VERSION_AFTER, answer.body().getLong("version", -1L))
              .setAttribute(SCHEME, answer.body().getString("signatureScheme", ""));
          OperatorRequests.reply(ctx, answer);
        })
        .onFailure(ctx::fail);
  }

  private static final AttributeKey<String> ACTION = AttributeKey.stringKey("countersign.secret.action");
  private static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("countersign.endpoint_id");
  private static final AttributeKey<Long> IF_MATCH = AttributeKey.longKey("countersign.if_match");
  private static final AttributeKey<Long> VERSION_AFTER = AttributeKey.longKey("countersign.version");
  private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("countersign.signature_scheme");

  /** Names the secret operation on the request's span (a lost race adds its error code: ErrorHandler). */
  private static Span traced(RoutingContext ctx, String action, String endpointId, Long expected) {
    Span span = ServerSpans.span(ctx);
    span.setAttribute(ACTION, action).setAttribute(ENDPOINT, endpointId);
    if (expected != null) {
      span.setAttribute(IF_MATCH, expected);
    }
    return span;
  }

  /** A rotation's answer, without the secret (added only to the answer that goes out); public keys are shown. */
  private static JsonObject rotated(SecretChanges.Applied applied) {
    SecretState s = applied.changed().state();
    return new JsonObject()
        .put("version", applied.version())
        .put("signatureScheme", s.current().scheme().wireName())
        .put("current", slot(s.current()).put("createdAt", s.current().createdAt().toString()))
        .put("previous", slot(s.previous()).put("expiresAt", s.previous().expiresAt().toString()))
        .put("receiversMustSwitchBefore", s.previous().expiresAt().toString());
  }

  private static JsonObject slot(SecretState.Entry entry) {
    JsonObject slot = new JsonObject().put("id", entry.id()).put("scheme", entry.scheme().wireName())
        .put("hint", entry.hint());
    return entry.publicKey() == null ? slot : slot.put("publicKey", entry.publicKey());
  }

  private void extend(RoutingContext ctx) {
    long expected = IfMatch.require(ctx);
    Instant expiresAt = Instants.parse(JsonBodies.object(ctx).getValue("expiresAt"), "expiresAt", "invalid_expiry");
    applyAndShow(ctx, expected, "extend", (state, now) -> SecretTransitions.extend(state, expiresAt, now, config.maxOverlap()));
  }

  private void expirePrevious(RoutingContext ctx) {
    applyAndShow(ctx, IfMatch.require(ctx), "expire-previous", SecretTransitions::expirePrevious);
  }

  private void rollback(RoutingContext ctx) {
    applyAndShow(ctx, IfMatch.require(ctx), "rollback", (state, now) -> SecretTransitions.rollback(state, now, config.rollbackOverlap()));
  }

  private void applyAndShow(RoutingContext ctx, long expected, String action, SecretChanges.Transition transition) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    Span span = traced(ctx, action, endpointId, expected);
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    changes.apply(key, principal, endpointId, expected, action, transition, true,
            applied -> new Answer(200, applied.view(), endpointId, null))
        .onSuccess(answer -> {
          span.setAttribute(VERSION_AFTER, answer.body().getLong("version", -1L));
          OperatorRequests.reply(ctx, answer);
        })
        .onFailure(ctx::fail);
  }

  /**
   * A probe sent with a stale {@code If-Match} is refused ({@code stale_version}): the secret it meant to test may
   * no longer be current. It changes nothing, so it is neither a race nor audited.
   */
  private void probe(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    Long expected = IfMatch.optional(ctx);
    traced(ctx, "probe", endpointId, expected);
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    changes.withEndpoint(key, principal, endpointId, row -> {
      long version = row.getLong("version");
      if (expected != null && expected != version) {
        return Future.failedFuture(ApiError.conflict("stale_version", "the endpoint is at version " + version
                + ", not " + expected + ": the secret you meant to probe may no longer be current. Nothing was sent;"
                + " read the endpoint again and probe its current secret")
            .with(new JsonObject().put("currentVersion", version)));
      }
      return probe(principal.tenantId(), endpointId, row).map(result -> new Answer(200, result, endpointId, null));
    }).onSuccess(answer -> OperatorRequests.reply(ctx, answer)).onFailure(ctx::fail);
  }

  /** Sends a test event signed with the current secret only, and records what the receiver said. */
  private Future<JsonObject> probe(String tenantId, String endpointId, Row row) {
    SecretState state = EndpointStore.state(row);
    SecretState.Entry current = state.current();
    SigningKeys currentOnly = SigningKeys.from(row).currentOnly();
    Instant sentAt = clock.instant();
    String msgId = Ids.event();
    Buffer payload = new JsonObject().put("type", "countersign.secret_probe").put("endpointId", endpointId)
        .put("secretId", current.id()).put("sentAt", sentAt.toString()).toBuffer();
    long started = System.nanoTime();
    return sender.send(tenantId, endpointId, row.getString("url"), msgId, currentOnly, payload, null)
        .transform(ar -> {
          long latencyMs = (System.nanoTime() - started) / 1_000_000;
          Integer status = ar.succeeded() ? ar.result().status() : null;
          String outcome = ReceiverAnswers.probeResult(status);
          JsonObject result = new JsonObject().put("result", outcome).put("statusCode", status)
              .put("latencyMs", latencyMs).put("secretId", current.id()).put("hint", current.hint())
              .put("webhookId", msgId);
          if (ar.failed()) {
            result.put("error", ar.cause().getMessage());
          }
          Future<Void> recorded = secrets.recordProbe(tenantId, endpointId, current.id(), outcome, clock.instant());
          return recorded.compose(x -> store.find(tenantId, endpointId)).map(after -> {
            JsonObject view = store.view(after);
            return result.put("adoption", view.getString("adoption")).put("version", view.getLong("version"));
          });
        });
  }

  private Duration overlap(Object value) {
    if (value == null) {
      return config.defaultOverlap();
    }
    Duration overlap;
    try {
      overlap = Durations.parse(String.valueOf(value));
    } catch (RuntimeException e) {
      throw ApiError.badRequest("invalid_overlap", "overlap must be an ISO-8601 duration such as P7D");
    }
    if (overlap.compareTo(config.minOverlap()) < 0 || overlap.compareTo(config.maxOverlap()) > 0) {
      throw ApiError.badRequest("invalid_overlap", "overlap must be between " + config.minOverlap() + " and "
          + config.maxOverlap());
    }
    return overlap;
  }
}
