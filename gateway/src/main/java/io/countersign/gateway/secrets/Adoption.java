package io.countersign.gateway.secrets;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a receiver has switched to the current secret, from evidence only: a receiver counts as switched once it
 * accepted a probe signed with the current secret alone (never from a dual-signed delivery, which the old secret
 * also verifies). A receiver that rejects ordinary deliveries during the overlap (which carry both signatures) is
 * {@code rejecting}: it holds neither secret, or checks only one of the signatures; it is the incident in progress.
 */
public enum Adoption {
  NOT_ROTATING("not_rotating"),
  NEW_SECRET_CONFIRMED("new_secret_confirmed"),
  OLD_SECRET_STILL_IN_USE("old_secret_still_in_use"),
  NO_RECENT_TRAFFIC("no_recent_traffic"),
  REJECTING("rejecting");

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
   * @param lastDeliveryRejection the endpoint's last delivery answered 401/403 (null if never)
   */
  public static Adoption of(SecretState state, Instant confirmedAt, Instant rejectedAt, Instant lastSuccess,
      Instant lastDeliveryRejection, Instant now, Duration recentWindow) {
    if (!state.inOverlap(now)) {
      return NOT_ROTATING;
    }
    // a delivery rejected since the rotation, with no success or accepted probe after it
    if (lastDeliveryRejection != null && lastDeliveryRejection.isAfter(state.current().createdAt())
        && (lastSuccess == null || lastDeliveryRejection.isAfter(lastSuccess))
        && (confirmedAt == null || lastDeliveryRejection.isAfter(confirmedAt))) {
      return REJECTING;
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
