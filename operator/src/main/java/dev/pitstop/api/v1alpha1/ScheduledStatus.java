package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The status fields of the kinds that run on a schedule, which one rule keeps for both. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public abstract class ScheduledStatus extends PitstopStatus {
  @JsonPropertyDescription(
      "Last fire time of the schedule that was run, skipped or missed (RFC 3339).")
  public String lastScheduleTime;

  @JsonPropertyDescription(
      "The schedule, time zone and suspend flag the status was last computed for; a change of"
          + " any of them starts counting fire times anew (see scheduleStart).")
  public String observedSchedule;

  @JsonPropertyDescription(
      "Fire times at or before this moment (RFC 3339) are not run: when the operator saw the"
          + " schedule or time zone change, or the schedule suspended or resumed. A spec change"
          + " runs nothing now, and no fire time is caught up on resume.")
  public String scheduleStart;
}
