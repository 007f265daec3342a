package io.countersign.gateway.endpoints;

import io.countersign.gateway.support.Rows;
import io.countersign.gateway.support.Wire;
import static io.countersign.gateway.support.Wire.iso;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.secrets.Adoption;
import io.countersign.gateway.secrets.SecretState;
import io.countersign.signature.SignatureScheme;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads endpoints and renders their public view: secret ids, hints, states, expiries and adoption, never values.
 *
 * <pre>{@code
 * store.find("acme", "ep_1").onSuccess(row -> reply(row == null ? 404 : store.view(row)));
 * }</pre>
 */
public final class EndpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointStore.class);
  private final Pool pool;
  private final Clock clock;
  private final Duration adoptionWindow;
  private final Duration remindBefore;

  public EndpointStore(Pool pool, Clock clock, Duration adoptionWindow, Duration remindBefore) {
    this.pool = pool;
    this.clock = clock;
    this.adoptionWindow = adoptionWindow;
    this.remindBefore = remindBefore;
  }

  /** The endpoint row with its sealed secrets and activity columns, or null. */
  public Future<Row> find(String tenantId, String endpointId) {
    return find(pool, tenantId, endpointId);
  }

  /**
   * The endpoint row without the view's activity columns, through {@code client} (a transaction): its secret state,
   * version, URL and signing columns. Not for {@link #view}'s adoption and activity fields.
   */
  public Future<Row> findRow(SqlClient client, String tenantId, String endpointId) {
    return client.preparedQuery(EndpointSql.GET_ROW).execute(new EndpointSql.Key(tenantId, endpointId).tuple())
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** The same, through {@code client}: a transaction's connection sees its own uncommitted change. */
  public Future<Row> find(SqlClient client, String tenantId, String endpointId) {
    return client.preparedQuery(EndpointSql.GET).execute(new EndpointSql.Key(tenantId, endpointId).tuple())
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /**
   * The 409 for a compare-and-set that found version {@code current} (null: read it now) instead of
   * {@code expected}: names the winning change from its audit row ({@link Conflicts}). The loss is audited, best
   * effort and after the answer is decided, as {@code rotation_race_detected} or {@code concurrent_change_detected};
   * {@code onRaceAudited} runs once a rotation race's row is written. Fails with 404 if the endpoint is gone.
   */
  public Future<ApiError> conflict(Principal principal, String endpointId, String action, long expected, Long current,
      boolean secretAction, Runnable onRaceAudited) {
    String tenantId = principal.tenantId();
    Future<Long> version = current != null ? Future.succeededFuture(current)
        : pool.preparedQuery(EndpointSql.CURRENT_VERSION).execute(new EndpointSql.Key(tenantId, endpointId).tuple())
            .compose(rows -> rows.size() == 0 ? Future.failedFuture(EndpointRoutes.notFound(endpointId))
                : Future.succeededFuture(rows.iterator().next().getLong("version")));
    return version.compose(v -> pool.preparedQuery(EndpointSql.WINNERS).execute(new EndpointSql.WinnersParams(tenantId, endpointId, expected, v).tuple())
        .map(rows -> {
          List<Conflicts.Winner> since = new ArrayList<>();
          for (Row w : rows) {
            since.add(new Conflicts.Winner(w.getLong("version_after"), w.getString("kind"), w.getString("actor"),
                instant(w.getOffsetDateTime("created_at"))));
          }
          Conflicts.Winner winner = Conflicts.winner(since, v, secretAction);
          boolean race = Conflicts.isRotationRace(secretAction, winner.change());
          JsonObject detail = new JsonObject().put("action", action).put("ifMatch", expected).put("currentVersion", v)
              .put("winnerChange", winner.change()).put("winnerActor", winner.actor());
          pool.preparedQuery(EndpointSql.AUDIT).execute(new EndpointSql.AuditParams(tenantId, endpointId,
                  race ? "rotation_race_detected" : "concurrent_change_detected", principal.actorId(), expected, v,
                  detail.encode(), Wire.utc(clock.instant())).tuple())
              .onSuccess(r -> {
                if (race) {
                  onRaceAudited.run();
                }
              })
              .onFailure(e -> LOG.warn("best-effort audit of a lost compare-and-set failed: {}", e.toString()));
          return Conflicts.describe(action, expected, v, winner, secretAction);
        }));
  }

  public Future<List<Row>> list(String tenantId) {
    return pool.preparedQuery(EndpointSql.LIST).execute(Tuple.of(tenantId)).map(Rows::list);
  }

  /** The secret slots as stored. */
  public static SecretState state(Row row) {
    SecretState.Entry current = entry(row, "current_", null);
    SecretState.Entry previous = row.getString("previous_secret_id") == null ? null
        : entry(row, "previous_", instant(row.getOffsetDateTime("previous_expires_at")));
    return new SecretState(current, previous);
  }

  private static SecretState.Entry entry(Row row, String slot, Instant expiresAt) {
    return new SecretState.Entry(row.getString(slot + "secret_id"), row.getString(slot + "key_id"),
        row.getBuffer(slot + "secret").getBytes(), row.getString(slot + "hint"),
        SignatureScheme.fromWireName(row.getString(slot + "scheme")), row.getString(slot + "public_key"),
        instant(row.getOffsetDateTime(slot + "created_at")), expiresAt);
  }

  public JsonObject view(Row row) {
    Instant now = clock.instant();
    SecretState state = state(row);
    JsonArray eventTypes = new JsonArray();
    for (String t : row.getArrayOfStrings("event_types")) {
      eventTypes.add(t);
    }
    JsonArray secrets = new JsonArray().add(secretView(state.current(), "current"));
    SecretState.Entry previous = state.activePrevious(now);
    if (previous != null) {
      secrets.add(secretView(previous, "previous"));
    }
    JsonObject view = new JsonObject()
        .put("id", row.getString("endpoint_id"))
        .put("url", row.getString("url"))
        .put("eventTypes", eventTypes)
        .put("enabled", row.getBoolean("enabled"))
        .put("version", row.getLong("version"))
        .put("createdAt", iso(row.getOffsetDateTime("created_at")))
        .put("signatureScheme", state.current().scheme().wireName())
        .put("secrets", secrets);
    OffsetDateTime openUntil = row.getOffsetDateTime("circuit_open_until");
    // open until openUntil; after it, half-open until a probe attempt succeeds (closed) or fails (open again)
    String circuit = openUntil == null ? "closed" : openUntil.toInstant().isAfter(now) ? "open" : "half_open";
    view.put("circuit", new JsonObject().put("state", circuit)
        .put("openUntil", iso(openUntil))
        .put("consecutiveFailures", row.getInteger("consecutive_failures")));
    view.put("rateLimitPerSecond", row.getInteger("rate_limit_per_second"));
    view.put("forwardTraceparent", row.getBoolean("forward_traceparent"));
    String hints = row.getString("custom_header_hints");
    view.put("headers", hints == null ? new JsonObject() : new JsonObject(hints));
    OffsetDateTime burst = row.getOffsetDateTime("rejection_burst_at");
    view.put("signatureRejectionBurst", burst == null ? null : new JsonObject().put("since", iso(burst)));
    if (row.getColumnIndex("held_deliveries") >= 0) {
      view.put("heldDeliveries", row.getLong("held_deliveries"));
    }
    if (row.getColumnIndex("last_success_at") >= 0) {
      Instant confirmed = instant(row.getOffsetDateTime("current_confirmed_at"));
      Instant rejected = instant(row.getOffsetDateTime("current_rejected_at"));
      Instant lastSuccess = instant(row.getOffsetDateTime("last_success_at"));
      Instant lastRejection = instant(row.getOffsetDateTime("last_rejection_at"));
      Adoption adoption = Adoption.of(state, confirmed, rejected, lastSuccess, lastRejection, now, adoptionWindow);
      // the reminder's badge: the overlap ends within secrets.remindBefore and no receiver confirmed the new secret
      view.put("overlapEndingUnconfirmed", previous != null && adoption != Adoption.NEW_SECRET_CONFIRMED
          && !previous.expiresAt().isAfter(now.plus(remindBefore)));
      view.put("adoption", adoption.wireName())
          .put("currentSecretConfirmedAt", iso(confirmed))
          .put("currentSecretRejectedAt", iso(rejected))
          .put("signatureRejections", row.getLong("signature_rejections") == null ? 0 : row.getLong("signature_rejections"))
          .put("lastSignatureRejectionAt", iso(row.getOffsetDateTime("last_rejection_at")))
          .put("lastDelivery", row.getOffsetDateTime("last_attempt_at") == null ? null : new JsonObject()
              .put("at", iso(row.getOffsetDateTime("last_attempt_at")))
              .put("statusCode", row.getInteger("last_status_code"))
              .put("error", row.getString("last_error")));
    }
    return view;
  }

  private static JsonObject secretView(SecretState.Entry entry, String state) {
    JsonObject view = new JsonObject()
        .put("id", entry.id())
        .put("scheme", entry.scheme().wireName())
        .put("hint", entry.hint())
        .put("state", state)
        .put("createdAt", entry.createdAt().toString())
        .put("expiresAt", entry.expiresAt() == null ? null : entry.expiresAt().toString());
    return entry.publicKey() == null ? view : view.put("publicKey", entry.publicKey());
  }

  /**
   * The Ed25519 public keys receivers should accept now: the current key and a previous one still in force, each
   * with its expiry (none for the current key). HMAC slots are left out: they have no public half.
   */
  public JsonObject publicKeys(Row row) {
    Instant now = clock.instant();
    SecretState state = state(row);
    JsonArray keys = new JsonArray();
    if (state.current().publicKey() != null) {
      keys.add(publicKeyView(state.current(), "current"));
    }
    SecretState.Entry previous = state.activePrevious(now);
    if (previous != null && previous.publicKey() != null) {
      keys.add(publicKeyView(previous, "previous"));
    }
    return new JsonObject().put("endpointId", row.getString("endpoint_id"))
        .put("signatureScheme", state.current().scheme().wireName()).put("data", keys);
  }

  private static JsonObject publicKeyView(SecretState.Entry entry, String state) {
    return new JsonObject().put("id", entry.id()).put("publicKey", entry.publicKey()).put("state", state)
        .put("createdAt", entry.createdAt().toString())
        .put("expiresAt", entry.expiresAt() == null ? null : entry.expiresAt().toString());
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
