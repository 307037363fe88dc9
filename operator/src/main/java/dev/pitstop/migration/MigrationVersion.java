package dev.pitstop.migration;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A migration version as Flyway defines it: numeric parts separated by {@code .} or {@code _},
 * compared part by part as numbers, trailing zero parts ignored ({@code 1.0} equals {@code 1}). Its
 * text form uses dots, which is what the history table stores.
 */
public final class MigrationVersion implements Comparable<MigrationVersion> {

  private final String text;
  private final List<BigInteger> parts;

  private MigrationVersion(String text, List<BigInteger> parts) {
    this.text = text;
    this.parts = parts;
  }

  /**
   * Parses {@code 1}, {@code 1.2}, {@code 2024_01_15} and the like.
   *
   * @throws IllegalArgumentException if a part is empty or not a number
   */
  public static MigrationVersion parse(String version) {
    String text = version.replace('_', '.');
    List<BigInteger> parts = new ArrayList<>();
    for (String part : text.split("\\.", -1)) {
      if (part.isEmpty() || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException(
            "\"" + version + "\" is not a version: use numbers separated by dots or underscores.");
      }
      parts.add(new BigInteger(part));
    }
    int size = parts.size();
    while (size > 1 && parts.get(size - 1).signum() == 0) {
      size--;
    }
    return new MigrationVersion(text, List.copyOf(parts.subList(0, size)));
  }

  @Override
  public int compareTo(MigrationVersion other) {
    int size = Math.max(parts.size(), other.parts.size());
    for (int i = 0; i < size; i++) {
      int c = part(i).compareTo(other.part(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private BigInteger part(int i) {
    return i < parts.size() ? parts.get(i) : BigInteger.ZERO;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof MigrationVersion version && compareTo(version) == 0;
  }

  @Override
  public int hashCode() {
    return parts.hashCode();
  }

  /** Returns the version as written, underscores replaced by dots. */
  @Override
  public String toString() {
    return text;
  }
}
