package io.countersign.gateway.secrets;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a receiver has switched to the current secret, from evidence only: a receiver counts as switched once it
 * accepted a probe signed with the current secret alone (never from a dual-signed delivery, which the old secret
 * also verifies).
 */
public enum Adoption {
  NOT_ROTATING("not_rotating"),
  NEW_SECRET_CONFIRMED("new_secret_confirmed"),
  OLD_SECRET_STILL_IN_USE("old_secret_still_in_use"),
  NO_RECENT_TRAFFIC("no_recent_traffic");

  private final String wireName;

  Adoption(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /**
   * @param confirmedAt when a probe signed with the current secret alone was accepted (null if never)
   * @param rejectedAt when such a probe was answered 401/403 (null if never)
   * @param lastSuccess the endpoint's last 2xx delivery
   */
  public static Adoption of(SecretState state, Instant confirmedAt, Instant rejectedAt, Instant lastSuccess,
      Instant now, Duration recentWindow) {
    if (!state.inOverlap(now)) {
      return NOT_ROTATING;
    }
    if (confirmedAt != null && (rejectedAt == null || confirmedAt.isAfter(rejectedAt))) {
      return NEW_SECRET_CONFIRMED;
    }
    if (rejectedAt != null) {
      return OLD_SECRET_STILL_IN_USE;
    }
    if (lastSuccess != null && lastSuccess.isAfter(now.minus(recentWindow))) {
      return OLD_SECRET_STILL_IN_USE;
    }
    return NO_RECENT_TRAFFIC;
  }
}
