package io.countersign.gateway.delivery;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try again: the first attempt is immediate, then one wait per entry of {@code delivery.retrySchedule},
 * each lengthened by up to 10% random jitter so that retries after an outage do not arrive in lockstep.
 */
public final class RetryPolicy {
  private final List<Duration> schedule;

  public RetryPolicy(List<Duration> schedule) {
    this.schedule = List.copyOf(schedule);
  }

  /** Total attempts a delivery gets before it is marked failed. */
  public int maxAttempts() {
    return schedule.size() + 1;
  }

  /** The wait after the given (1-based) failed attempt, or null when that was the last one. */
  public Duration delayAfter(int attemptNo) {
    if (attemptNo >= maxAttempts()) {
      return null;
    }
    Duration base = schedule.get(attemptNo - 1);
    long jitter = base.toMillis() <= 0 ? 0 : ThreadLocalRandom.current().nextLong(base.toMillis() / 10 + 1);
    return base.plusMillis(jitter);
  }
}
