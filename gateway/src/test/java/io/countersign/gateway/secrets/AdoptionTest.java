package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AdoptionTest {
  private static final Instant ROTATED = Instant.parse("2026-11-26T10:00:00Z");
  private static final Instant NOW = ROTATED.plus(Duration.ofHours(1));
  private static final Duration WINDOW = Duration.ofHours(24);
  private static final SecretState OVERLAP = new SecretState(
      new SecretState.Entry("sec_new", "k", new byte[0], "NEW=", ROTATED, null),
      new SecretState.Entry("sec_old", "k", new byte[0], "OLD=", ROTATED.minus(Duration.ofDays(30)), ROTATED.plus(Duration.ofDays(7))));

  private static Adoption of(Instant confirmed, Instant probeRejected, Instant lastSuccess, Instant lastRejection) {
    return Adoption.of(OVERLAP, confirmed, probeRejected, lastSuccess, lastRejection, NOW, WINDOW);
  }

  @Test
  void deliveriesRejectedDuringTheOverlapAreRejecting() {
    assertEquals(Adoption.REJECTING, of(null, null, null, ROTATED.plusSeconds(60)));
    assertEquals(Adoption.REJECTING, of(null, null, ROTATED.plusSeconds(10), ROTATED.plusSeconds(60)),
        "a rejection after the last success");
    assertEquals(Adoption.REJECTING, of(ROTATED.plusSeconds(5), null, null, ROTATED.plusSeconds(60)),
        "a rejection after the probe that confirmed");
  }

  @Test
  void laterEvidenceOrRejectionsFromBeforeTheRotationDoNotCount() {
    assertEquals(Adoption.NO_RECENT_TRAFFIC, of(null, null, null, ROTATED.minusSeconds(60)));
    assertEquals(Adoption.OLD_SECRET_STILL_IN_USE, of(null, null, ROTATED.plusSeconds(120), ROTATED.plusSeconds(60)));
    assertEquals(Adoption.NEW_SECRET_CONFIRMED, of(ROTATED.plusSeconds(120), null, null, ROTATED.plusSeconds(60)));
  }

  @Test
  void outsideAnOverlapThereIsNothingToAdopt() {
    SecretState single = new SecretState(OVERLAP.current(), null);
    assertEquals(Adoption.NOT_ROTATING, Adoption.of(single, null, null, null, NOW, NOW, WINDOW));
  }
}
