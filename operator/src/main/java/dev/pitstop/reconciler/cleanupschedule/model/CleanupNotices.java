package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec.NotifyOn;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.RuleResult;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.time.Durations;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The chat message about a finished run, and whether the spec asks for one. */
public final class CleanupNotices {
  private CleanupNotices() {}

  /**
   * The results that send a notification: {@code notify.results}, else the deprecated {@code
   * notify.on}, else (or when empty) {@code [Failure]}. {@link CleanupRequests#prepare} refuses a
   * spec where the two differ.
   */
  public static Set<NotifyOn> results(CleanupScheduleSpec.Notify notify) {
    return asSet(notify.results != null ? notify.results : deprecatedOn(notify));
  }

  /**
   * Why the notify block cannot be used: the deprecated {@code notify.on} and {@code
   * notify.results} both set, to different results; null when it can.
   */
  static String conflict(CleanupScheduleSpec.Notify notify) {
    List<NotifyOn> on = deprecatedOn(notify);
    if (on == null || notify.results == null || asSet(on).equals(asSet(notify.results))) {
      return null;
    }
    return "spec.notify.on and spec.notify.results list different results; set only"
        + " spec.notify.results (spec.notify.on is deprecated)";
  }

  /** The deprecation warning for a notify block that uses {@code notify.on}; null when none. */
  public static String deprecation(CleanupScheduleSpec.Notify notify) {
    return notify == null || deprecatedOn(notify) == null
        ? null
        : "spec.notify.on is deprecated; use spec.notify.results instead (YAML tools read an"
            + " unquoted on: key as true)";
  }

  /** The deprecated {@code notify.on}, as sent or as earlier CRDs stored it ({@code "true"}). */
  @SuppressWarnings("deprecation")
  private static List<NotifyOn> deprecatedOn(CleanupScheduleSpec.Notify notify) {
    return notify.on != null ? notify.on : notify.onStoredAsTrue;
  }

  /** The listed results; unset or empty means {@code [Failure]}. */
  private static Set<NotifyOn> asSet(List<NotifyOn> listed) {
    return listed == null || listed.isEmpty()
        ? EnumSet.of(NotifyOn.Failure)
        : EnumSet.copyOf(listed.stream().filter(Objects::nonNull).toList());
  }

  /** Whether the notify block lists the run's result (Failure for Failed, and so on). */
  public static boolean wanted(CleanupScheduleSpec.Notify notify, RunResult result) {
    if (notify == null || result == null) {
      return false;
    }
    Set<NotifyOn> on = results(notify);
    return switch (result) {
      case Succeeded -> on.contains(NotifyOn.Success);
      case Failed -> on.contains(NotifyOn.Failure);
      case Incomplete -> on.contains(NotifyOn.Incomplete);
      case Missed, Skipped -> false;
    };
  }

  /**
   * A readable summary, e.g. {@code CleanupSchedule shop/nightly: Succeeded, 5,000 row(s) deleted
   * in 4s} followed by one line per rule.
   */
  public static String text(String namespace, String name, CleanupRun run) {
    StringBuilder out = new StringBuilder();
    out.append("CleanupSchedule ")
        .append(namespace)
        .append('/')
        .append(name)
        .append(": ")
        .append(run.result)
        .append(Boolean.TRUE.equals(run.dryRun) ? " (dry run)" : "")
        .append(", ")
        .append(CleanupRuns.count(run.rowsDeleted == null ? 0 : run.rowsDeleted))
        .append(" row(s) deleted");
    if (run.durationMs != null) {
      out.append(" in ").append(Durations.format(Duration.ofMillis(run.durationMs)));
    }
    for (RuleResult rule : run.rules) {
      out.append("\n• ").append(rule.name);
      if (Boolean.TRUE.equals(run.dryRun)) {
        out.append(": ").append(number(rule.matched)).append(" match");
      } else {
        out.append(": deleted ").append(number(rule.deleted));
        if (rule.remaining != null) {
          out.append(", ").append(number(rule.remaining)).append(" left");
        }
      }
      if (rule.error != null) {
        out.append(" — ").append(rule.error);
      } else if (rule.message != null) {
        out.append(" — ").append(rule.message);
      }
    }
    if (run.rules.isEmpty() && run.message != null) {
      out.append("\n").append(run.message);
    }
    return out.toString();
  }

  private static String number(Long value) {
    return value == null ? "?" : CleanupRuns.count(value);
  }
}
