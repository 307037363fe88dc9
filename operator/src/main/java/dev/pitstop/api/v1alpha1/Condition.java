package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A Kubernetes-style status condition; {@code kubectl wait --for=condition=Ready} works. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition extends KeepsUnknownFields {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DATABASE_REACHABLE = "DatabaseReachable";
  public static final String FAILED = "Failed";
  public static final String DRAINED = "Drained";

  @JsonPropertyDescription(
      "Condition type: Ready, Progressing, DatabaseReachable, Failed, Drained.")
  public String type;

  @JsonPropertyDescription("True, False or Unknown.")
  public String status;

  @JsonPropertyDescription("CamelCase reason for the condition's last transition.")
  public String reason;

  @JsonPropertyDescription("Human-readable sentence about the transition.")
  public String message;

  @JsonPropertyDescription("When the status last changed; kept while the status stays the same.")
  public String lastTransitionTime;

  @JsonPropertyDescription("The metadata.generation this condition was computed for.")
  public Long observedGeneration;

  public Condition() {}

  public Condition(String type, String status, String reason, String message) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
  }
}
