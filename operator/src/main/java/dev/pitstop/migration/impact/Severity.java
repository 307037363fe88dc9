package dev.pitstop.migration.impact;

import java.util.Locale;

/** How much a finding can hurt, lowest first. */
public enum Severity {
  /** Worth knowing; no outage expected. */
  INFO,
  /** Can block or break the application under some load or deployment order. */
  WARNING,
  /** Blocks reads or writes for work proportional to a table's size, or fails. */
  ERROR;

  /** {@code info}, {@code warning} or {@code error}, any case; null if none of them. */
  public static Severity parse(String text) {
    if (text == null) {
      return null;
    }
    for (Severity s : values()) {
      if (s.name().equalsIgnoreCase(text.trim())) {
        return s;
      }
    }
    return null;
  }

  public boolean atLeast(Severity other) {
    return compareTo(other) >= 0;
  }

  /** Lower case, as shown to users. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
