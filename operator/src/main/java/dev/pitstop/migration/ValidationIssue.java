package dev.pitstop.migration;

/**
 * A problem found by comparing scripts with the history table.
 *
 * @param code what kind of problem
 * @param subject the script name, version or request field concerned
 * @param message one sentence a user can act on
 */
public record ValidationIssue(ErrorCode code, String subject, String message) {

  /** Tells whether {@code onChecksumMismatch: Repair} resolves this issue. */
  public boolean repairable() {
    return code == ErrorCode.CHECKSUM_MISMATCH || code == ErrorCode.DESCRIPTION_MISMATCH;
  }
}
