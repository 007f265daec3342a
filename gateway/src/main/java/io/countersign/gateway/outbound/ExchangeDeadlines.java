package io.countersign.gateway.outbound;

import java.util.ArrayDeque;

/**
 * The exchanges with receivers in flight from one event loop, oldest first, each ended if it has not finished
 * within the delivery timeout: connecting, sending, the receiver's status and headers, and its whole body.
 *
 * <p>They all share one timeout, so they expire in the order they started: the oldest unfinished one is the next
 * to expire, and one timer at a time, armed for it, covers them all. That replaces Vert.x's per-request timeout,
 * which set and cancelled a timer per attempt and stopped counting once the status line arrived, so a receiver
 * that sent its headers and then stalled its body held the attempt, and its lane's place, for good.
 *
 * <p>Not thread-safe: one instance per event loop, used on that loop only.
 */
final class ExchangeDeadlines {
  /** One exchange: {@link #finish()} it when it ends; {@link #expired()} runs if its deadline passes first. */
  abstract static class Exchange {
    private final long deadline;
    private boolean done;

    Exchange(long deadline) {
      this.deadline = deadline;
    }

    /** Whether it finished or expired: either way nothing more may happen to it. */
    final boolean done() {
      return done;
    }

    /** Marks it finished; answers false if it had already ended (expired). */
    final boolean finish() {
      if (done) {
        return false;
      }
      done = true;
      return true;
    }

    /** Ends the exchange that ran out of time (fail its answer, close its connection). */
    protected abstract void expired();
  }

  private final ArrayDeque<Exchange> inFlight = new ArrayDeque<>();
  private final long timeoutNanos;

  ExchangeDeadlines(long timeoutNanos) {
    if (timeoutNanos <= 0) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    this.timeoutNanos = timeoutNanos;
  }

  /** The deadline of an exchange starting at {@code nowNanos}. */
  long deadline(long nowNanos) {
    return nowNanos + timeoutNanos;
  }

  /**
   * Tracks a started exchange, whose deadline must be {@link #deadline(long)} of a time no earlier than the last
   * one's. The caller keeps a timer armed while anything is tracked, and calls {@link #expire(long)} when it fires.
   */
  void track(Exchange exchange) {
    // finished ones ahead are dropped as new ones come, so the queue stays as short as the oldest live exchange
    while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
      inFlight.pollFirst();
    }
    inFlight.addLast(exchange);
  }

  /**
   * Ends every exchange past its deadline at {@code nowNanos}; answers the nanoseconds until the next deadline, or
   * -1 when nothing is left in flight.
   */
  long expire(long nowNanos) {
    Exchange head;
    while ((head = inFlight.peekFirst()) != null) {
      if (head.done) {
        inFlight.pollFirst();
      } else if (head.deadline - nowNanos <= 0) {
        inFlight.pollFirst();
        head.done = true;
        head.expired();
      } else {
        return head.deadline - nowNanos;
      }
    }
    return -1;
  }

  /** Exchanges tracked and not yet dropped (finished ones behind a live one included). */
  int tracked() {
    return inFlight.size();
  }
}
