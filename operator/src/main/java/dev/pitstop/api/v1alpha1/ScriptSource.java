package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** SQL scripts gathered from ConfigMaps and inline entries. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ScriptSource {
  @JsonPropertyDescription(
      "ConfigMaps in this namespace whose keys are script file names and values the SQL.")
  public List<LocalObjectRef> configMapRefs = new ArrayList<>();

  @JsonPropertyDescription("Scripts written inline, with the same naming rules as ConfigMap keys.")
  public List<InlineScript> inline = new ArrayList<>();
}
