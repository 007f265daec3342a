package io.countersign.gateway.endpoints;

import io.countersign.gateway.http.ApiError;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the loser of a compare-and-set on an endpoint is told, as a pure function: which version won, what that
 * change was, who made it and when, and what to do next. Never a secret, and never "reload to see the secret": the
 * winner's secret was shown only to whoever made that change.
 *
 * <pre>{@code
 * ApiError error = Conflicts.describe("rotate", 1, 2, new Conflicts.Winner(2, "secret_rotated", "tok_ab", at), true);
 * boolean counted = Conflicts.isRotationRace(true, "secret_rotated");   // true: audited and counted as a race
 * }</pre>
 */
final class Conflicts {
  /** Audit kinds that change an endpoint's secrets. */
  public static final Set<String> SECRET_CHANGES = Set.of("secret_rotated", "previous_dropped", "overlap_extended",
      "previous_expired", "secret_rolled_back");

  private static final Map<String, String> WHAT = Map.of(
      "secret_rotated", "a rotation",
      "previous_dropped", "a rotation that dropped the previous secret",
      "overlap_extended", "an extension of the overlap",
      "previous_expired", "the end of the overlap (previous secret expired)",
      "secret_rolled_back", "a rollback",
      "endpoint_created", "the endpoint's creation",
      "endpoint_updated", "an update of the endpoint's settings",
      "endpoint_enabled", "enabling the endpoint",
      "endpoint_disabled", "disabling the endpoint");

  private Conflicts() {}

  /** The change that made the endpoint's current version, from its audit row; null fields when none is recorded. */
  public record Winner(long version, String change, String actor, Instant at) {
    JsonObject toJson() {
      return new JsonObject().put("version", version).put("change", change).put("actor", actor)
          .put("at", at == null ? null : at.toString());
    }
  }

  /**
   * The change to report among those that landed since the request's version ({@code since}, newest first): for a
   * secret action the newest secret change, whose secret is what the operator must know about; otherwise, or when
   * there is none, the newest change. With nothing recorded, a change of unknown kind that made {@code current}.
   */
  public static Winner winner(List<Winner> since, long current, boolean secretAction) {
    if (since.isEmpty()) {
      return new Winner(current, null, null, null);
    }
    if (secretAction) {
      for (Winner w : since) {
        if (SECRET_CHANGES.contains(w.change())) {
          return w;
        }
      }
    }
    return since.get(0);
  }

  /**
   * Only competing secret changes are rotation races: a secret action that lost to a secret change (or to a change
   * whose audit row is gone). A secret action that lost to a settings change, and every settings change that lost,
   * is a {@code concurrent_change}; neither feeds the race alert.
   */
  public static boolean isRotationRace(boolean secretAction, String winnerChange) {
    return secretAction && (winnerChange == null || SECRET_CHANGES.contains(winnerChange));
  }

  /** The 409 for a request that sent If-Match {@code expected} for {@code action} and found {@code winner}. */
  public static ApiError describe(String action, long expected, long current, Winner winner, boolean secretAction) {
    boolean race = isRotationRace(secretAction, winner.change());
    String what = winner.change() == null ? "a change" : WHAT.getOrDefault(winner.change(), winner.change());
    String who = winner.actor() == null ? "another operator" : winner.actor();
    String when = winner.at() == null ? "" : " at " + winner.at() + " (UTC)";
    StringBuilder detail = new StringBuilder()
        .append(race ? "Another change to this endpoint's secrets landed first: " : "This endpoint changed since you read it: ")
        .append("version ").append(winner.version()).append(" is ").append(what).append(" by ").append(who).append(when)
        .append("; your ").append(action).append(" was prepared against version ").append(expected)
        .append(winner.version() == current ? "" : ", and the endpoint is at version " + current + " now")
        .append(". Nothing was changed by your request");
    boolean issuedSecret = "secret_rotated".equals(winner.change()) || "previous_dropped".equals(winner.change());
    if (issuedSecret) {
      detail.append(" and no secret was issued to you. The secret that version ").append(winner.version())
          .append(" issued was shown only to ").append(who).append(", who made that change; it is not shown again."
              + " Next: get it from them (or from the secret store they put it in) before anyone rotates again, or,"
              + " if nobody holds it, roll back with If-Match \"")
          .append(current).append("\" to return to the secret your receivers already have.");
    } else {
      detail.append(". Next: read the endpoint again (version ").append(current)
          .append(") and decide whether your change still applies.");
    }
    return ApiError.conflict(race ? "rotation_race" : "concurrent_change", detail.toString())
        .with(new JsonObject().put("currentVersion", current).put("winner", winner.toJson()));
  }
}
