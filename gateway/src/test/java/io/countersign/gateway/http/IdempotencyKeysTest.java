package io.countersign.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** One Idempotency-Key rule for events, replays and operator calls. */
class IdempotencyKeysTest {
  private static String code(String header, String why) {
    return assertThrows(ApiError.class, () -> IdempotencyKeys.parse(header, why)).code();
  }

  @Test
  void oneToTwoHundredFiftyFiveVisibleAsciiCharacters() {
    assertEquals("a", IdempotencyKeys.parse("a", null));
    assertEquals("k".repeat(255), IdempotencyKeys.parse("k".repeat(255), "needed"));
    assertEquals("order-7:retry/1", IdempotencyKeys.parse("order-7:retry/1", null));
    assertEquals("invalid_idempotency_key", code("k".repeat(256), null));
    assertEquals("invalid_idempotency_key", code("has space", null));
    assertEquals("invalid_idempotency_key", code("caf\u00e9", "needed"));
    assertEquals("invalid_idempotency_key", code("tab\there", null));
  }

  @Test
  void absentIsNullWhenOptionalAndMissingWhenRequired() {
    assertNull(IdempotencyKeys.parse(null, null));
    assertEquals("missing_idempotency_key", code(null, "needed"));
    assertEquals("missing_idempotency_key", code("", "needed"));
    assertEquals("invalid_idempotency_key", code("", null), "an empty optional key is a mistake, not an absence");
  }
}
