package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretTransitionsTest {
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  private static final Duration WEEK = Duration.ofDays(7);

  private static SecretState.Entry secret(String id, Instant created) {
    return new SecretState.Entry(id, "mk_1", new byte[] {1}, id.substring(id.length() - 1), created, null);
  }

  private static SecretTransitions.Changed changed(SecretTransitions.Outcome o) {
    return assertInstanceOf(SecretTransitions.Changed.class, o);
  }

  private final SecretState onlyA = new SecretState(secret("sec_A", T0), null);

  @Test
  void rotationMakesTheNewSecretCurrentAndKeepsTheOldOneUntilAFixedExpiry() {
    Instant now = T0.plusSeconds(60);
    SecretTransitions.Changed c = changed(SecretTransitions.rotate(onlyA, secret("sec_B", now), now, WEEK, false));
    assertEquals("sec_B", c.state().current().id());
    assertEquals("sec_A", c.state().previous().id());
    assertEquals(now.plus(WEEK), c.state().previous().expiresAt());
    assertEquals(List.of("secret_rotated"), c.events());
    assertNull(c.dropped());
  }

  @Test
  void theIncidentsSecondRotationIsRefusedInsteadOfDroppingTheSecretReceiversHold() {
    Instant t1 = T0.plusSeconds(1);
    SecretState afterFirst = changed(SecretTransitions.rotate(onlyA, secret("sec_B", t1), t1, WEEK, false)).state();
    Instant t2 = t1.plusSeconds(3);
    SecretTransitions.Refused r = assertInstanceOf(SecretTransitions.Refused.class,
        SecretTransitions.rotate(afterFirst, secret("sec_C", t2), t2, WEEK, false));
    assertEquals("overlap_in_progress", r.code());
    assertTrue(r.detail().contains(afterFirst.previous().expiresAt().toString()), r.detail());
  }

  @Test
  void droppingThePreviousIsExplicitAndReported() {
    Instant t1 = T0.plusSeconds(1);
    SecretState afterFirst = changed(SecretTransitions.rotate(onlyA, secret("sec_B", t1), t1, WEEK, false)).state();
    Instant t2 = t1.plusSeconds(3);
    SecretTransitions.Changed c = changed(SecretTransitions.rotate(afterFirst, secret("sec_C", t2), t2, WEEK, true));
    assertEquals("sec_C", c.state().current().id());
    assertEquals("sec_B", c.state().previous().id());
    assertEquals("sec_A", c.dropped().id());
    assertEquals(List.of("previous_dropped", "secret_rotated"), c.events());
  }

  @Test
  void anExpiredPreviousDoesNotBlockTheNextRotation() {
    Instant t1 = T0.plusSeconds(1);
    SecretState afterFirst = changed(SecretTransitions.rotate(onlyA, secret("sec_B", t1), t1, WEEK, false)).state();
    Instant later = t1.plus(WEEK).plusSeconds(1);
    SecretTransitions.Changed c = changed(SecretTransitions.rotate(afterFirst, secret("sec_C", later), later, WEEK, false));
    assertEquals(List.of("secret_rotated"), c.events());
    assertNull(c.dropped(), "an expired secret is not 'dropped'");
  }

  @Test
  void extendMovesTheExpiryLaterWithinTheMaximum() {
    Instant t1 = T0.plusSeconds(1);
    SecretState s = changed(SecretTransitions.rotate(onlyA, secret("sec_B", t1), t1, WEEK, false)).state();
    Instant later = t1.plus(Duration.ofDays(10));
    SecretTransitions.Changed c = changed(SecretTransitions.extend(s, later, t1, Duration.ofDays(30)));
    assertEquals(later, c.state().previous().expiresAt());
    assertEquals(List.of("overlap_extended"), c.events());
    assertEquals("invalid_expiry", assertInstanceOf(SecretTransitions.Refused.class,
        SecretTransitions.extend(s, t1.plus(Duration.ofDays(31)), t1, Duration.ofDays(30))).code());
    assertEquals("invalid_expiry", assertInstanceOf(SecretTransitions.Refused.class,
        SecretTransitions.extend(s, t1.plusSeconds(5), t1, Duration.ofDays(30))).code());
    assertEquals("no_overlap", assertInstanceOf(SecretTransitions.Refused.class,
        SecretTransitions.extend(onlyA, later, t1, Duration.ofDays(30))).code());
  }

  @Test
  void expirePreviousEndsTheOverlapNow() {
    Instant t1 = T0.plusSeconds(1);
    SecretState s = changed(SecretTransitions.rotate(onlyA, secret("sec_B", t1), t1, WEEK, false)).state();
    SecretTransitions.Changed c = changed(SecretTransitions.expirePrevious(s, t1.plusSeconds(10)));
    assertNull(c.state().previous());
    assertEquals("sec_B", c.state().current().id());
    assertEquals(List.of("previous_expired"), c.events());
    assertEquals("no_overlap", assertInstanceOf(SecretTransitions.Refused.class,
        SecretTransitions.expirePrevious(c.state(), t1)).code());
  }

  @Test
  void rollbackRestoresThePreviousAndKeepsTheRolledBackOneBriefly() {
    Instant t1 = T0.plusSeconds(1);
    SecretState s = changed(SecretTransitions.rotate(onlyA, secret("sec_B", t1), t1, WEEK, false)).state();
    Instant t2 = t1.plusSeconds(600);
    SecretTransitions.Changed c = changed(SecretTransitions.rollback(s, t2, Duration.ofHours(24)));
    assertEquals("sec_A", c.state().current().id());
    assertNull(c.state().current().expiresAt());
    assertEquals("sec_B", c.state().previous().id());
    assertEquals(t2.plus(Duration.ofHours(24)), c.state().previous().expiresAt());
    assertEquals(List.of("secret_rolled_back"), c.events());
    assertInstanceOf(SecretTransitions.Refused.class, SecretTransitions.rollback(onlyA, t2, Duration.ofHours(1)));
  }

}
