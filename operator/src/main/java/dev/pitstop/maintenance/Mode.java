package dev.pitstop.maintenance;

import java.util.Arrays;
import java.util.Optional;

/** The value of the mode row applications read to decide whether to take new work. */
public enum Mode {
  /** Normal operation: take new work. */
  RUNNING("running"),
  /** A window is draining: take no new work, finish what is running. */
  WAITING_FOR_MAINTENANCE("waiting_for_maintenance"),
  /** Drained: nothing runs; maintenance is in progress. */
  MAINTENANCE("maintenance");

  private final String value;

  Mode(String value) {
    this.value = value;
  }

  /** The text stored in the mode table and sent with {@code NOTIFY pitstop_maintenance}. */
  public String value() {
    return value;
  }

  /** The mode stored as {@code text}, if it is one of the three values. */
  public static Optional<Mode> of(String text) {
    return Arrays.stream(values()).filter(m -> m.value.equals(text)).findFirst();
  }
}
