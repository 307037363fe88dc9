package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The mode row applications read. */
public enum MaintenanceMode {
  @JsonProperty("running")
  RUNNING("running"),
  @JsonProperty("waiting_for_maintenance")
  WAITING_FOR_MAINTENANCE("waiting_for_maintenance"),
  @JsonProperty("maintenance")
  MAINTENANCE("maintenance");

  private final String value;

  MaintenanceMode(String value) {
    this.value = value;
  }

  /** The value written to the mode table and shown in status. */
  public String value() {
    return value;
  }
}
