package io.countersign.gateway.ingest;

import io.countersign.gateway.http.IdempotencyKeys;
import io.countersign.gateway.http.ServerSpans;
import io.countersign.gateway.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.countersign.gateway.support.Ids;
import io.countersign.gateway.support.TokenGrammar;
import io.countersign.gateway.support.Wire;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code POST /v1/tenants/:tenant/events}: validate, claim once, answer, then deliver.
 *
 * <p>Order of work: the tenant is authenticated before this handler runs; headers are checked before the body is
 * read; the body must be well-formed JSON but is never re-serialised: the stored and delivered bytes are the
 * posted bytes.
 */
public final class IngestRoutes {
  /** The event-type grammar, for posted events and for endpoint subscriptions alike. */
  public static final TokenGrammar EVENT_TYPE = new TokenGrammar("A-Za-z0-9", "A-Za-z0-9_.:/-", 128);
  private static final CharSequence REPLAYED = HttpHeaders.createOptimized("Idempotent-Replayed");
  private static final CharSequence TRUE = HttpHeaders.createOptimized("true");
  private static final JsonFactory JSON = new JsonFactory();

  private final ClaimBatcher batcher;
  private final int maxBodyBytes;
  private final Metrics metrics;
  private final Tracing tracing;

  public IngestRoutes(ClaimBatcher batcher, Metrics metrics, Tracing tracing, int maxBodyBytes) {
    this.batcher = batcher;
    this.maxBodyBytes = maxBodyBytes;
    this.metrics = metrics;
    this.tracing = tracing;
  }

  /**
   * The settings of one loop's batcher: its batches, how many in flight, its queue bound, the lease it gives and how
   * long a partial batch waits under load.
   */
  public static ClaimBatcher.Settings batching(int maxBatch, int maxConcurrentBatches, Duration leaseDuration,
      Duration linger) {
    return new ClaimBatcher.Settings(maxBatch, maxConcurrentBatches, maxBatch * maxConcurrentBatches * 8,
        leaseDuration, linger);
  }

  public void mount(Router router) {
    // Headers are checked before the body is read, so the header check hands the request to the body handler
    // itself: added to the route, Vert.x would run the body handler first. One route, not two, because the router
    // matches every route's pattern and path parameters again (about 1 us per posted event).
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    router.post("/v1/tenants/:tenant/events").handler(ctx -> {
      checkHeaders(ctx);
      body.handle(ctx);
    }).handler(this::ingest);
  }

  /** Refuses the request (a thrown {@link ApiError}) unless its headers are an event's. */
  private static void checkHeaders(RoutingContext ctx) {
    IdempotencyKeys.parse(ctx.request().getHeader(IdempotencyKeys.HEADER),
        "mint one per event and send the same one on every retry");
    String type = ctx.request().getHeader("Event-Type");
    if (type == null || type.isEmpty()) {
      throw ApiError.badRequest("missing_event_type", "Event-Type header is required");
    }
    if (!EVENT_TYPE.matches(type)) {
      throw ApiError.badRequest("invalid_event_type", "Event-Type must match " + EVENT_TYPE.pattern());
    }
    if (type.startsWith(OperatorEvents.TYPE_PREFIX)) {
      throw ApiError.badRequest("reserved_event_type",
          "event types starting with " + OperatorEvents.TYPE_PREFIX + " are reserved for the gateway's operator events");
    }
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (!isJson(contentType)) {
      throw new ApiError(415, "unsupported_media_type", "the event body must be sent as Content-Type: application/json");
    }
  }

  private void ingest(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ApiError.badRequest("empty_body", "the event body must be a JSON document");
    }
    // read where the bytes lie: checked and hashed without a copy of the body
    ByteBuf bytes = ((BufferInternal) body).getByteBuf();
    if (!isWellFormedJson(bytes)) {
      throw ApiError.badRequest("invalid_json", "the event body is not well-formed JSON");
    }
    String tenantId = Principal.of(ctx).tenantId();
    String key = ctx.request().getHeader(IdempotencyKeys.HEADER);
    String type = ctx.request().getHeader("Event-Type");
    byte[] sha = Wire.sha256(bytes.nioBuffer());
    long started = System.nanoTime();
    Span span = ServerSpans.span(ctx);
    batcher.claim(tenantId, Ids.event(), key, type, sha, body, traceContext(ctx, span)).onSuccess(result -> {
      metrics.ingestLatency(System.nanoTime() - started);
      if (tracing.enabled()) {
        span.setAttribute(ATTR_BATCH, result.batchSize()).setAttribute(ATTR_EVENT, result.eventId())
            .setAttribute(ATTR_CLAIM, result instanceof ClaimResult.Won ? "won" : "already_claimed");
      }
      if (result instanceof ClaimResult.Won won) {
        metrics.eventAccepted();
        ctx.response().setStatusCode(202);
        Responses.json(ctx.response(), accepted(won.eventId(), won.deliveries()));
      } else if (result instanceof ClaimResult.AlreadyClaimed existing) {
        if (!MessageDigest.isEqual(existing.bodySha256(), sha)) {
          ctx.fail(new ApiError(422, "idempotency_key_reused", "Idempotency-Key " + key
              + " was already used for a different body (event " + existing.eventId() + "); use a new key for a new event"));
          return;
        }
        metrics.eventReplayed();
        ctx.response().setStatusCode(200).putHeader(REPLAYED, TRUE);
        Responses.json(ctx.response(), accepted(existing.eventId(), existing.deliveryCount()));
      }
    }).onFailure(ctx::fail);
  }

  private static final AttributeKey<Long> ATTR_BATCH = AttributeKey.longKey("countersign.claim.batch_size");
  private static final AttributeKey<String> ATTR_EVENT = AttributeKey.stringKey("countersign.event_id");
  private static final AttributeKey<String> ATTR_CLAIM = AttributeKey.stringKey("countersign.claim.result");

  /**
   * What the event keeps of its trace: the ingest span's traceparent, so its attempts join it; with tracing off,
   * the sender's own traceparent if it sent a valid one (endpoints that forward it pass it on), else null.
   */
  private String traceContext(RoutingContext ctx, Span span) {
    if (tracing.enabled()) {
      return Tracing.traceparent(span);
    }
    String sent = ctx.request().getHeader(Tracing.TRACEPARENT);
    return sent == null ? null : Tracing.traceparent(Span.fromContext(tracing.parent(sent)));
  }

  /**
   * The answer to an accepted or replayed event, {@code {"id":...,"deliveries":n}}, written directly: through a
   * JsonObject and Jackson's databind it was about 2.5 % of an ingest-only process's CPU. Event ids are the gateway's
   * own ({@code msg_} and Crockford base32), so nothing in them needs escaping.
   */
  static Buffer accepted(String eventId, int deliveries) {
    return Buffer.buffer("{\"id\":\"" + eventId + "\",\"deliveries\":" + deliveries + "}");
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
  }

  /** {@link #isWellFormedJson(ByteBuf)} of a byte array. */
  static boolean isWellFormedJson(byte[] bytes) {
    return isWellFormedJson(Unpooled.wrappedBuffer(bytes));
  }

  /**
   * Streams through the tokens without building a tree: one document, nothing after it. A heap buffer (what the
   * body handler collects into) is parsed in place; any other is read through a stream, still without a copy.
   */
  static boolean isWellFormedJson(ByteBuf bytes) {
    try (JsonParser parser = bytes.hasArray()
        ? JSON.createParser(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes())
        : JSON.createParser((java.io.InputStream) new ByteBufInputStream(bytes.duplicate()))) {
      if (parser.nextToken() == null) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
