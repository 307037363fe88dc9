package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A Secret in the resource's own namespace that holds the database connection. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretRef {
  @Required
  @JsonPropertyDescription("Name of the Secret, in the same namespace as this resource.")
  public String name;

  @JsonPropertyDescription(
      "Namespace of the Secret. Optional; when set it must equal this resource's namespace,"
          + " because cross-namespace references are refused.")
  public String namespace;

  public SecretRef() {}

  public SecretRef(String name) {
    this.name = name;
  }
}
