package dev.pitstop.reconciler.model;

/**
 * Something in a resource (or an object it references) is wrong. The message is one sentence that
 * names the field, e.g. {@code spec.lockTimeout must be a duration such as 10s, not 'soon'}.
 */
public class SpecException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private final boolean waitForObject;

  private SpecException(String reason, String message, boolean waitForObject) {
    super(message);
    this.reason = reason;
    this.waitForObject = waitForObject;
  }

  /** The spec itself is invalid: fixed only by editing the resource. */
  public static SpecException invalid(String message) {
    return new SpecException("InvalidSpec", message, false);
  }

  /**
   * A referenced object (Secret, ConfigMap, MaintenanceWindow) is missing or incomplete; the
   * resource waits and is reconciled again when that object changes.
   */
  public static SpecException missingReference(String reason, String message) {
    return new SpecException(reason, message, true);
  }

  /** CamelCase reason for conditions and Events. */
  public String reason() {
    return reason;
  }

  /** Whether the problem may go away when a referenced object appears or changes. */
  public boolean waitsForObject() {
    return waitForObject;
  }
}
