package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a SandboxReset does about user triggers on the tables it empties. */
public enum ResetTriggerMode {
  /** They fire as for any DELETE. */
  @JsonProperty("keep")
  KEEP,
  /** They do not fire while the tables are emptied (they do for the seeds). */
  @JsonProperty("disable")
  DISABLE
}
