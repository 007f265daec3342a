package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void waitsFollowTheScheduleWithBoundedJitterThenStop() {
    RetryPolicy policy = new RetryPolicy(List.of(Duration.ofSeconds(5), Duration.ofMinutes(5)));
    assertEquals(3, policy.maxAttempts());
    for (int i = 0; i < 100; i++) {
      Duration first = policy.delayAfter(1);
      assertTrue(first.compareTo(Duration.ofSeconds(5)) >= 0 && first.compareTo(Duration.ofMillis(5_500)) <= 0, first.toString());
      Duration second = policy.delayAfter(2);
      assertTrue(second.compareTo(Duration.ofMinutes(5)) >= 0 && second.compareTo(Duration.ofSeconds(330)) <= 0);
    }
    assertNull(policy.delayAfter(3));
  }
}
