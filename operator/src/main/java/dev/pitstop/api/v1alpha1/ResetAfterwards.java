package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * Work a SandboxReset does after its transaction commits. A failure there is a warning (status and
 * a ResetWarnings Event), not a failed reset: the data reset has committed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResetAfterwards {
  @Default("false")
  @JsonPropertyDescription(
      "Run VACUUM (ANALYZE) on the emptied tables after the reset commits; a failure is a"
          + " warning.")
  public Boolean vacuumAnalyze = false;

  @Default("false")
  @JsonPropertyDescription(
      "Run REFRESH MATERIALIZED VIEW on the materialized views of the schemas after the reset"
          + " commits, referenced views first; a failure is a warning.")
  public Boolean refreshMaterializedViews = false;

  public ResetAfterwards() {}

  public ResetAfterwards(boolean vacuumAnalyze, boolean refreshMaterializedViews) {
    this.vacuumAnalyze = vacuumAnalyze;
    this.refreshMaterializedViews = refreshMaterializedViews;
  }
}
