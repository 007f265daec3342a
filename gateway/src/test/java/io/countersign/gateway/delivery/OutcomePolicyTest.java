package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class OutcomePolicyTest {
  private static final OffsetDateTime NOW = OffsetDateTime.of(2026, 11, 30, 12, 0, 0, 0, ZoneOffset.UTC);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Supplier<Duration> NEXT = () -> WAIT;
  private static final Supplier<Duration> LAST = () -> null;

  @Test
  void noRetryWaitIsDrawnWhenNoneCanBeNeeded() {
    Supplier<Duration> mustNotBeAsked = () -> {
      throw new AssertionError("the schedule was asked");
    };
    assertTrue(OutcomePolicy.decide(200, null, null, mustNotBeAsked, NOW).delivered());
    assertTrue(OutcomePolicy.decide(410, null, null, mustNotBeAsked, NOW).disableEndpoint());
  }

  @Test
  void anyTwoHundredIsDelivered() {
    for (int code : new int[] {200, 202, 204, 299}) {
      OutcomePolicy.Decision d = OutcomePolicy.decide(code, null, null, NEXT, NOW);
      assertTrue(d.delivered(), "status " + code);
      assertNull(d.note());
    }
  }

  @Test
  void aFailureWithAttemptsLeftIsRetriedAfterTheScheduledWait() {
    OutcomePolicy.Decision d = OutcomePolicy.decide(500, null, null, NEXT, NOW);
    assertEquals("pending", d.status());
    assertEquals(NOW.plus(WAIT), d.nextAttemptAt());
    assertEquals("receiver answered 500", d.note());
    assertFalse(d.disableEndpoint());
  }

  @Test
  void theLastAttemptFailsForGood() {
    OutcomePolicy.Decision d = OutcomePolicy.decide(503, null, null, LAST, NOW);
    assertEquals("failed", d.status());
    assertEquals("receiver answered 503", d.note());
  }

  @Test
  void noAnswerKeepsTheNetworkError() {
    OutcomePolicy.Decision d = OutcomePolicy.decide(null, "connection refused", null, NEXT, NOW);
    assertEquals("pending", d.status());
    assertEquals("connection refused", d.note());
  }

  @Test
  void redirectsAreNotFollowedAndSaySo() {
    OutcomePolicy.Decision d = OutcomePolicy.decide(301, null, null, NEXT, NOW);
    assertEquals("pending", d.status());
    assertTrue(d.note().startsWith("redirect (301) not followed"), d.note());
  }

  @Test
  void goneFailsAtOnceAndDisablesTheEndpointWhateverAttemptsRemain() {
    OutcomePolicy.Decision d = OutcomePolicy.decide(410, null, null, NEXT, NOW);
    assertEquals("failed", d.status());
    assertTrue(d.disableEndpoint());
  }

  @Test
  void aLongerRetryAfterWinsAndIsCappedAtAnHour() {
    OutcomePolicy.Decision asked = OutcomePolicy.decide(429, null, Duration.ofMinutes(5), NEXT, NOW);
    assertEquals(NOW.plusMinutes(5), asked.nextAttemptAt());
    assertEquals("receiver answered 429 (Retry-After 300s)", asked.note());
    OutcomePolicy.Decision capped = OutcomePolicy.decide(503, null, Duration.ofDays(2), NEXT, NOW);
    assertEquals(NOW.plusHours(1), capped.nextAttemptAt());
  }

  @Test
  void aShorterRetryAfterDoesNotHurryTheSchedule() {
    OutcomePolicy.Decision d = OutcomePolicy.decide(429, null, Duration.ofSeconds(1), NEXT, NOW);
    assertEquals(NOW.plus(WAIT), d.nextAttemptAt());
  }

  @Test
  void retryAfterDoesNotExtendALastAttempt() {
    assertEquals("failed", OutcomePolicy.decide(503, null, Duration.ofSeconds(10), LAST, NOW).status());
  }
}
