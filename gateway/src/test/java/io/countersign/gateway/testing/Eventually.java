package io.countersign.gateway.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for an asynchronous outcome without fixed sleeps. */
public final class Eventually {
  private Eventually() {}

  public static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    awaitValue(timeout, what, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
  }

  /** Waits for {@code value} to give something other than null (asked once more at the deadline), and returns it. */
  public static <T> T awaitValue(Duration timeout, String what, Supplier<T> value) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      T found = value.get();
      if (found != null) {
        return found;
      }
      Thread.sleep(25);
    }
    T last = value.get();
    if (last == null) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
    return last;
  }

  /**
   * Waits until {@code state} has given the same value for {@code quiet} (at most {@code timeout}), and returns it:
   * "nothing else happened" checked as a state that stopped changing over a window longer than the gap between the
   * events it watches (a retry interval, a poll interval), never as a fixed sleep before one look.
   */
  public static <T> T settled(Duration timeout, Duration quiet, String what, Supplier<T> state)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = state.get();
    long since = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(25);
      T now = state.get();
      if (!java.util.Objects.equals(now, last)) {
        last = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        return now;
      }
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what + " to stop changing (last " + last
        + ")");
  }
}
