package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A SQL script written directly in the resource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InlineScript {
  @Required
  @Pattern("^[^/\\x00]{1,253}\\.[sS][qQ][lL]$")
  @JsonPropertyDescription(
      "File name of the script, e.g. V3__add_status.sql; the same naming rules as ConfigMap"
          + " keys apply.")
  public String name;

  @Required
  @JsonPropertyDescription("The SQL text of the script.")
  public String sql;

  public InlineScript() {}

  public InlineScript(String name, String sql) {
    this.name = name;
    this.sql = sql;
  }
}
