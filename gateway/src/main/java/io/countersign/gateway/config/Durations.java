package io.countersign.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses the short duration forms used in config ({@code 250ms 10s 5m 2h 7d}) and ISO-8601 ({@code PT10S}). */
public final class Durations {
  private Durations() {}

  public static Duration parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (s.startsWith("p")) {
      return Duration.parse(s.toUpperCase(Locale.ROOT));
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    int unitStart = 0;
    while (unitStart < s.length() && (Character.isDigit(s.charAt(unitStart)) || s.charAt(unitStart) == '.')) {
      unitStart++;
    }
    if (unitStart == 0) {
      throw new IllegalArgumentException("duration '" + text + "' must start with a number");
    }
    double amount = Double.parseDouble(s.substring(0, unitStart));
    String unit = s.substring(unitStart).trim();
    double millis = switch (unit) {
      case "ms" -> amount;
      case "s", "" -> amount * 1_000;
      case "m", "min" -> amount * 60_000;
      case "h" -> amount * 3_600_000;
      case "d" -> amount * 86_400_000;
      default -> throw new IllegalArgumentException("unknown duration unit '" + unit + "' in '" + text + "'");
    };
    return Duration.ofMillis(Math.round(millis));
  }

  /** A comma-separated list such as {@code 5s,5m,30m}; "immediately" counts as zero. */
  public static List<Duration> parseList(String text) {
    List<Duration> result = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      result.add(p.equalsIgnoreCase("immediately") ? Duration.ZERO : parse(p));
    }
    return List.copyOf(result);
  }
}
