package dev.pitstop.migration;

import java.util.List;

/**
 * Result of {@code validate}: applied scripts compared with the given ones, nothing changed.
 *
 * @param issues every problem found, empty when valid
 */
public record ValidateResult(List<ValidationIssue> issues) {

  public ValidateResult {
    issues = List.copyOf(issues);
  }

  /** Tells whether nothing was found. */
  public boolean valid() {
    return issues.isEmpty();
  }
}
