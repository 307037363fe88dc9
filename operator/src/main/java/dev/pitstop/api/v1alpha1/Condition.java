package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * A status condition as metav1.Condition defines it (type, status, lastTransitionTime, reason and
 * message required); {@code kubectl wait --for=condition=Ready} works.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = Condition.Schema.class, input = "")
public class Condition extends KeepsUnknownFields {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DATABASE_REACHABLE = "DatabaseReachable";
  public static final String FAILED = "Failed";
  public static final String DRAINED = "Drained";

  /** The pattern metav1.Condition requires of a type. */
  public static final String TYPE_PATTERN =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";

  /** The pattern metav1.Condition requires of a reason: CamelCase. */
  public static final String REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

  /** The longest message metav1.Condition allows. */
  public static final int MESSAGE_MAX_LENGTH = 32768;

  @JsonPropertyDescription(
      "Condition type: Ready, Progressing, DatabaseReachable, Failed, Drained.")
  @Required
  @Size(max = 316)
  @Pattern(TYPE_PATTERN)
  public String type;

  @JsonPropertyDescription("True, False or Unknown.")
  @Required
  public String status;

  @JsonPropertyDescription("CamelCase reason for the condition's last transition.")
  @Required
  @Size(min = 1, max = 1024)
  @Pattern(REASON_PATTERN)
  public String reason;

  @JsonPropertyDescription("Human-readable sentence about the transition.")
  @Required
  @Size(max = MESSAGE_MAX_LENGTH)
  public String message;

  @JsonPropertyDescription("When the status last changed; kept while the status stays the same.")
  @Required
  public String lastTransitionTime;

  @JsonPropertyDescription("The metadata.generation this condition was computed for.")
  @Min(0)
  public Long observedGeneration;

  public Condition() {}

  public Condition(String type, String status, String reason, String message) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
  }

  /**
   * What the annotations cannot say: status is one of True, False, Unknown, and lastTransitionTime
   * is a date-time.
   */
  public static final class Schema implements SchemaCustomizer.Customizer {
    @Override
    public JSONSchemaProps apply(
        JSONSchemaProps schema, String input, KubernetesSerialization serialization) {
      schema
          .getProperties()
          .get("status")
          .setEnum(List.of(new TextNode("True"), new TextNode("False"), new TextNode("Unknown")));
      schema.getProperties().get("lastTransitionTime").setFormat("date-time");
      return schema;
    }
  }
}
