package io.countersign.gateway.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** {@code Sender.retryAfter}: what a receiver's {@code Retry-After} asks for, and when it is ignored. */
class RetryAfterTest {
  private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void secondsOn429And503() {
    assertEquals(Duration.ofSeconds(120), Sender.retryAfter(429, "120", NOW));
    assertEquals(Duration.ofSeconds(5), Sender.retryAfter(503, " 5 ", NOW));
    assertEquals(Duration.ZERO, Sender.retryAfter(503, "-3", NOW));
  }

  @Test
  void anHttpDateIsCountedFromNowAndAPastDateMeansNow() {
    assertEquals(Duration.ofSeconds(90), Sender.retryAfter(429, "Mon, 30 Nov 2026 12:01:30 GMT", NOW));
    assertEquals(Duration.ZERO, Sender.retryAfter(429, "Mon, 30 Nov 2026 11:00:00 GMT", NOW));
  }

  @Test
  void otherStatusesMissingOrUnreadableValuesAreIgnored() {
    assertNull(Sender.retryAfter(500, "120", NOW));
    assertNull(Sender.retryAfter(200, "120", NOW));
    assertNull(Sender.retryAfter(429, null, NOW));
    assertNull(Sender.retryAfter(429, " ", NOW));
    assertNull(Sender.retryAfter(429, "soon", NOW));
    assertNull(Sender.retryAfter(429, "99999999999999999999", NOW));
  }
}
