package io.countersign.gateway.endpoints;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.idempotency.OperatorRequests;
import io.countersign.gateway.idempotency.OperatorRequests.Answer;
import io.countersign.gateway.secrets.RaceAlerts;
import io.countersign.gateway.secrets.SecretService;
import io.countersign.gateway.secrets.SecretState;
import io.countersign.gateway.secrets.SecretTransitions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;

/**
 * The secret lifecycle's transaction, behind {@link SecretRoutes}: once per {@code Idempotency-Key}, read the
 * endpoint, check the version the operator saw, decide with a {@link SecretTransitions} function, and write the
 * result with the compare-and-set ({@link SecretService#write}). Losing at either check is the same 409 naming the
 * winner, audited as a rotation race and counted for the tenant's race flag.
 *
 * <pre>{@code
 * changes.apply(key, principal, "ep_1", 3, "expire-previous", SecretTransitions::expirePrevious, true,
 *     applied -> new Answer(200, applied.view(), "ep_1", null));
 * }</pre>
 */
final class SecretChanges {
  /** A transition of the stored state at {@code now}. */
  @FunctionalInterface
  interface Transition {
    SecretTransitions.Outcome apply(SecretState state, Instant now);
  }

  /** A change that landed: the new state, its version, and the endpoint view read after it (when asked for). */
  record Applied(SecretTransitions.Changed changed, long version, JsonObject view) {}

  private final EndpointStore store;
  private final OperatorRequests requests;
  private final SecretService secrets;
  private final RaceAlerts alerts;
  private final Clock clock;

  SecretChanges(EndpointStore store, OperatorRequests requests, SecretService secrets, RaceAlerts alerts,
      Clock clock) {
    this.store = store;
    this.requests = requests;
    this.secrets = secrets;
    this.alerts = alerts;
    this.clock = clock;
  }

  /**
   * Applies {@code transition} if the endpoint is still at {@code expected}, then answers with {@code answer}; with
   * {@code readBack} the answer gets the endpoint's view as it is after the change, read in the same transaction.
   */
  Future<Answer> apply(OperatorRequests.Key key, Principal principal, String endpointId, long expected, String action,
      Transition transition, boolean readBack, Function<Applied, Answer> answer) {
    return requests.once(key, client -> apply(client, principal, endpointId, expected, action, transition)
        .compose(applied -> !readBack ? Future.succeededFuture(applied)
            : store.find(client, principal.tenantId(), endpointId)
                .map(row -> new Applied(applied.changed(), applied.version(), store.view(row))))
        .map(answer));
  }

  /** Reads the endpoint once per key and lets {@code then} answer from it (a probe); 404 if it is gone. */
  Future<Answer> withEndpoint(OperatorRequests.Key key, Principal principal, String endpointId,
      Function<Row, Future<Answer>> then) {
    return requests.once(key, client -> store.findRow(client, principal.tenantId(), endpointId).compose(row -> row == null
        ? Future.failedFuture(EndpointRoutes.notFound(endpointId)) : then.apply(row)));
  }

  private Future<Applied> apply(SqlClient client, Principal principal, String endpointId, long expected, String action,
      Transition transition) {
    // whole milliseconds, so the times shown to the operator are exactly the stored ones
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    // the row alone: the compare-and-set needs the version and the secret slots, not the view's activity reads
    return store.findRow(client, principal.tenantId(), endpointId).compose(row -> {
      if (row == null) {
        return Future.failedFuture(EndpointRoutes.notFound(endpointId));
      }
      long version = row.getLong("version");
      if (version != expected) {
        return lost(principal, endpointId, action, expected, version);
      }
      SecretState before = EndpointStore.state(row);
      SecretTransitions.Outcome outcome = transition.apply(before, now);
      if (outcome instanceof SecretTransitions.Refused refused) {
        return Future.failedFuture(new ApiError(refused.status(), refused.code(), refused.detail())
            .with(new JsonObject().put("currentVersion", version)));
      }
      SecretTransitions.Changed changed = (SecretTransitions.Changed) outcome;
      return secrets.write(client, principal.tenantId(), endpointId, expected, before, changed, principal.actorId(), now)
          .compose(newVersion -> newVersion == null
              ? lost(principal, endpointId, action, expected, null)
              : Future.succeededFuture(new Applied(changed, newVersion, null)));
    });
  }

  /** A lost compare-and-set: 409 naming the winner; a rotation race is audited and counted for the tenant. */
  private <T> Future<T> lost(Principal principal, String endpointId, String action, long expected, Long current) {
    return store.conflict(principal, endpointId, action, expected, current, true,
            () -> alerts.raceRecorded(principal.tenantId()))
        .compose(Future::failedFuture);
  }
}
