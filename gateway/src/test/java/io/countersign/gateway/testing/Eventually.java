package io.countersign.gateway.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an asynchronous outcome without fixed sleeps. */
public final class Eventually {
  private Eventually() {}

  public static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(25);
    }
    if (!condition.getAsBoolean()) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
  }

  /** Waits for {@code value} to give something other than null, and returns it. */
  public static <T> T awaitValue(Duration timeout, String what, java.util.function.Supplier<T> value)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      T found = value.get();
      if (found != null) {
        return found;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what);
  }
}
