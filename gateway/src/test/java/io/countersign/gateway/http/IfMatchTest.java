package io.countersign.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IfMatchTest {
  @Test
  void readsTheVersionQuotedWeakOrBare() {
    assertEquals(7L, IfMatch.parse("\"7\""));
    assertEquals(7L, IfMatch.parse("W/\"7\""));
    assertEquals(7L, IfMatch.parse(" 7 "));
  }

  @Test
  void noHeaderIsNoVersion() {
    assertNull(IfMatch.parse(null));
    assertNull(IfMatch.parse("  "));
  }

  @Test
  void anythingElseIsA400NamingTheHeader() {
    for (String bad : new String[] {"*", "\"abc\"", "\"7", "W/", "\"\"", "99999999999999999999"}) {
      ApiError e = assertThrows(ApiError.class, () -> IfMatch.parse(bad), bad);
      assertEquals(400, e.status());
      assertEquals("invalid_if_match", e.code());
    }
  }
}
