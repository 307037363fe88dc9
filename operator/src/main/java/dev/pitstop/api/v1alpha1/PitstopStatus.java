package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** The status fields every Pitstop kind shares. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public abstract class PitstopStatus extends KeepsUnknownFields {
  @JsonPropertyDescription("The metadata.generation the operator last acted on.")
  public Long observedGeneration;

  @JsonPropertyDescription("One human sentence about the current state.")
  public String message;

  @JsonPropertyDescription("Ready, Progressing, DatabaseReachable and kind-specific conditions.")
  @Size(max = 16)
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "The value of the pitstop.dev/run-requested-at annotation that was last acted on.")
  public String observedRunRequest;

  @JsonPropertyDescription(
      "The value of the annotation pitstop.dev/cancel that was last acted on (a new value cancels"
          + " the run that is going).")
  public String observedCancel;
}
