package io.countersign.gateway.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExchangeDeadlinesTest {
  private final List<String> expired = new ArrayList<>();

  private final class Named extends ExchangeDeadlines.Exchange {
    private final String name;

    Named(String name, long deadline) {
      super(deadline);
      this.name = name;
    }

    @Override
    protected void expired() {
      expired.add(name);
    }
  }

  @Test
  void onlyUnfinishedExchangesPastTheirDeadlineExpireOldestFirst() {
    ExchangeDeadlines deadlines = new ExchangeDeadlines(100);
    Named a = new Named("a", deadlines.deadline(0));
    Named b = new Named("b", deadlines.deadline(10));
    Named c = new Named("c", deadlines.deadline(20));
    deadlines.track(a);
    deadlines.track(b);
    deadlines.track(c);
    assertTrue(b.finish());

    assertEquals(1, deadlines.expire(99), "a's deadline is at 100");
    assertEquals(List.of(), expired);
    assertEquals(20, deadlines.expire(100), "a expires; finished b is skipped; c's deadline is at 120");
    assertEquals(List.of("a"), expired);
    assertTrue(a.done());
    assertFalse(a.finish(), "an expired exchange cannot also finish: its answer has already failed");
    assertEquals(-1, deadlines.expire(500), "nothing is left once c expires too");
    assertEquals(List.of("a", "c"), expired);
    assertEquals(0, deadlines.tracked());
  }

  @Test
  void finishedExchangesAheadAreDroppedAsNewOnesStartSoTheQueueStaysShort() {
    ExchangeDeadlines deadlines = new ExchangeDeadlines(1_000);
    for (int i = 0; i < 10_000; i++) {
      Named n = new Named("n" + i, deadlines.deadline(i));
      deadlines.track(n);
      n.finish();
    }
    assertEquals(1, deadlines.tracked(), "only the last, finished after it was tracked");

    Named slow = new Named("slow", deadlines.deadline(10_000));
    deadlines.track(slow);
    for (int i = 0; i < 5; i++) {
      Named n = new Named("later" + i, deadlines.deadline(10_001 + i));
      deadlines.track(n);
      n.finish();
    }
    assertEquals(6, deadlines.tracked(), "finished ones behind a live one wait until it ends");
    assertEquals(-1, deadlines.expire(11_000));
    assertEquals(List.of("slow"), expired);
  }

  @Test
  void theTimeoutMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new ExchangeDeadlines(0));
  }
}
