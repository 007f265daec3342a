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
}
