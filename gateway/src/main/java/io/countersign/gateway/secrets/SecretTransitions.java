package io.countersign.gateway.secrets;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Every operator change to an endpoint's secrets, as pure functions from the old state to the new one. Nothing here reads
 * the clock or the database; the caller writes the result with one compare-and-set on the endpoint's version.
 *
 * <pre>{@code
 * SecretTransitions.Outcome out = SecretTransitions.rotate(state, fresh, now, Duration.ofDays(7), false);
 * if (out instanceof SecretTransitions.Refused r) { ... } else { write(((Changed) out).state()); }
 * }</pre>
 *
 * <p>No transition ever drops a secret silently: a previous secret that is still in force leaves only by an
 * explicit {@code dropPrevious}, expire-previous or rollback, and each says so in {@link Changed#events()}. (The sweeper's
 * removal of expired previous secrets is one set-based statement, {@code SecretSql.SWEEP}, not a transition here.)
 */
public final class SecretTransitions {
  private SecretTransitions() {}

  /** The result of a transition: a new state with the audit events it implies, or a refusal. */
  public sealed interface Outcome permits Changed, Refused {}

  /** {@code events} are audit kinds, in order; {@code dropped} is a secret that left while still in force. */
  public record Changed(SecretState state, List<String> events, SecretState.Entry dropped) implements Outcome {}

  /** Why the transition cannot apply; {@code code} is the API error code. */
  public record Refused(int status, String code, String detail) implements Outcome {}

  /**
   * Makes {@code fresh} current; the old current secret becomes previous until {@code now + overlap}. If an overlap
   * is already running, rotating would drop a secret receivers may still hold: refused unless {@code dropPrevious}.
   */
  public static Outcome rotate(SecretState state, SecretState.Entry fresh, Instant now, Duration overlap,
      boolean dropPrevious) {
    SecretState.Entry dropped = state.activePrevious(now);
    if (dropped != null && !dropPrevious) {
      return new Refused(409, "overlap_in_progress", "a rotation overlap is running until " + dropped.expiresAt()
          + " (UTC); the previous secret ..." + dropped.hint() + " may still be in use by receivers. Wait, expire it,"
          + " or rotate with \"dropPrevious\": true to drop it now");
    }
    SecretState next = new SecretState(fresh, state.current().expiringAt(now.plus(overlap)));
    return dropped == null
        ? new Changed(next, List.of("secret_rotated"), null)
        : new Changed(next, List.of("previous_dropped", "secret_rotated"), dropped);
  }

  /** Moves the previous secret's expiry later, up to {@code maxOverlap} after the rotation that made it previous. */
  public static Outcome extend(SecretState state, Instant newExpiry, Instant now, Duration maxOverlap) {
    SecretState.Entry previous = state.activePrevious(now);
    if (previous == null) {
      return noOverlap("extend");
    }
    if (!newExpiry.isAfter(previous.expiresAt())) {
      return new Refused(400, "invalid_expiry", "expiresAt must be later than the current expiry "
          + previous.expiresAt() + "; to end the overlap sooner use expire-previous");
    }
    Instant limit = state.current().createdAt().plus(maxOverlap);
    if (newExpiry.isAfter(limit)) {
      return new Refused(400, "invalid_expiry", "expiresAt may be at most " + limit
          + " (UTC): secrets.maxOverlap after the rotation");
    }
    return new Changed(new SecretState(state.current(), previous.expiringAt(newExpiry)), List.of("overlap_extended"),
        null);
  }

  /** Ends the overlap now, once receivers have switched. */
  public static Outcome expirePrevious(SecretState state, Instant now) {
    if (state.activePrevious(now) == null) {
      return noOverlap("expire");
    }
    return new Changed(new SecretState(state.current(), null), List.of("previous_expired"), null);
  }

  /**
   * The playbook's "re-enable the previous secret": the previous secret becomes current again, and the rolled-back
   * one stays valid as previous until {@code now + overlap}, so receivers that already switched keep verifying.
   */
  public static Outcome rollback(SecretState state, Instant now, Duration overlap) {
    SecretState.Entry previous = state.activePrevious(now);
    if (previous == null) {
      return noOverlap("roll back");
    }
    SecretState.Entry restored = previous.expiringAt(null);
    return new Changed(new SecretState(restored, state.current().expiringAt(now.plus(overlap))),
        List.of("secret_rolled_back"), null);
  }

  private static Refused noOverlap(String action) {
    return new Refused(409, "no_overlap", "there is no previous secret in force to " + action);
  }
}
