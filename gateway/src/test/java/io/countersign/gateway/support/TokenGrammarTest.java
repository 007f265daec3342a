package io.countersign.gateway.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.ingest.IngestRoutes;
import io.countersign.gateway.tenants.TenantAccess;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** On the gateway's own grammars, whose regular expressions docs/api.md and openapi.yaml publish. */
class TokenGrammarTest {
  private static final TokenGrammar EVENT_TYPE = IngestRoutes.EVENT_TYPE;
  private static final TokenGrammar TENANT = TenantAccess.TENANT_ID;

  @Test
  void itsPatternIsTheRegexItWasWrittenAs() {
    assertEquals("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}", EVENT_TYPE.pattern());
    assertEquals("[a-z0-9][a-z0-9_-]{0,62}", TENANT.pattern());
  }

  @Test
  void edges() {
    assertTrue(EVENT_TYPE.matches("invoice.paid"));
    assertTrue(EVENT_TYPE.matches("a"));
    assertTrue(EVENT_TYPE.matches("a".repeat(128)));
    assertFalse(EVENT_TYPE.matches("a".repeat(129)));
    assertFalse(EVENT_TYPE.matches(""));
    assertFalse(EVENT_TYPE.matches(".paid"));
    assertFalse(EVENT_TYPE.matches("invoice paid"));
    assertFalse(EVENT_TYPE.matches("invoice\u00e9"));
    assertFalse(EVENT_TYPE.matches("invoice\u0100"));
    assertTrue(TENANT.matches("acme-1_x"));
    assertFalse(TENANT.matches("Acme"));
    assertFalse(TENANT.matches("-acme"));
  }

  /** Random strings over the characters either grammar names and their neighbours: the table agrees with the regex. */
  @Test
  void agreesWithItsRegexOnRandomStrings() {
    String alphabet = "AZaz09_.:/-@[`{\\ ^]~\u0000\u007f\u0080\u00e9\u2028\ud83d\ude00";
    Random random = new Random(13);
    for (TokenGrammar grammar : List.of(EVENT_TYPE, TENANT)) {
      Pattern regex = grammar.regex();
      for (int i = 0; i < 200_000; i++) {
        int length = random.nextInt(8) == 0 ? 60 + random.nextInt(75) : random.nextInt(6);
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < length; j++) {
          s.append(random.nextInt(3) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
              : (char) ('a' + random.nextInt(26)));
        }
        assertEquals(regex.matcher(s).matches(), grammar.matches(s), () -> grammar.pattern() + " on " + s);
      }
    }
  }

  @Test
  void refusesClassesItCannotRead() {
    assertThrows(IllegalArgumentException.class, () -> new TokenGrammar("z-a", "a", 2));
    assertThrows(IllegalArgumentException.class, () -> new TokenGrammar("\\d", "a", 2));
    assertThrows(IllegalArgumentException.class, () -> new TokenGrammar("a", "a", 0));
  }
}
