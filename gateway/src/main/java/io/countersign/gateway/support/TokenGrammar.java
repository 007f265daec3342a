package io.countersign.gateway.support;

import java.util.regex.Pattern;

/**
 * A name of ASCII characters, {@code [first][rest]{0,max-1}}: tenant ids, event types. Checked by table lookup, not
 * by a regular expression, because two of them are checked on every posted event (a regex match cost about 1 us
 * there, docs/performance.md); {@link #pattern()} is the same grammar as a regular expression, for error messages
 * and the API description.
 *
 * <pre>{@code
 * TokenGrammar EVENT_TYPE = new TokenGrammar("A-Za-z0-9", "A-Za-z0-9_.:/-", 128);
 * EVENT_TYPE.matches("invoice.paid");   // true
 * EVENT_TYPE.pattern();                 // "[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}"
 * }</pre>
 */
public final class TokenGrammar {
  private final boolean[] first;
  private final boolean[] rest;
  private final int maxChars;
  private final String pattern;

  /**
   * {@code firstClass} and {@code restClass} as the inside of a regex bracket: ranges {@code a-z} and single
   * characters, a {@code -} last standing for itself.
   */
  public TokenGrammar(String firstClass, String restClass, int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be at least 1");
    }
    this.first = table(firstClass);
    this.rest = table(restClass);
    this.maxChars = maxChars;
    this.pattern = "[" + firstClass + "][" + restClass + "]{0," + (maxChars - 1) + "}";
  }

  public boolean matches(CharSequence s) {
    int n = s.length();
    if (n == 0 || n > maxChars || !in(first, s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      if (!in(rest, s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The grammar as a regular expression that {@link #matches} agrees with. */
  public String pattern() {
    return pattern;
  }

  public Pattern regex() {
    return Pattern.compile(pattern);
  }

  private static boolean in(boolean[] table, char c) {
    return c < 128 && table[c];
  }

  private static boolean[] table(String charClass) {
    boolean[] table = new boolean[128];
    for (int i = 0; i < charClass.length(); i++) {
      char from = charClass.charAt(i);
      char to = from;
      if (i + 2 < charClass.length() && charClass.charAt(i + 1) == '-') {
        to = charClass.charAt(i + 2);
        i += 2;
      }
      if (from > to || to >= 128 || from == '\\' || from == '[' || from == ']' || from == '^') {
        throw new IllegalArgumentException("not a plain ASCII character class: " + charClass);
      }
      for (char c = from; c <= to; c++) {
        table[c] = true;
      }
    }
    return table;
  }
}
