package dev.pitstop.migration;

import java.util.Locale;

/** What {@code migrate} does when an applied script's checksum or description changed. */
public enum ChecksumMismatchPolicy {
  /** Stop with {@link ErrorCode#CHECKSUM_MISMATCH} before applying anything. */
  FAIL,
  /** Realign the recorded checksum and description with the script; never re-run it. */
  REPAIR;

  /** Parses {@code Fail} or {@code Repair} (any case), as written in a resource spec. */
  public static ChecksumMismatchPolicy parse(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MigrationException(
          ErrorCode.INVALID_REQUEST,
          "onChecksumMismatch",
          "onChecksumMismatch must be Fail or Repair, not \"" + text + "\".");
    }
  }
}
