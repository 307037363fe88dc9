package dev.pitstop.maintenance;

import java.time.Instant;
import java.util.List;

/**
 * One look at the database side of a drain.
 *
 * @param pendingTasks the tasks query's value, or {@code null} without a tasks query
 * @param sessions sessions of the drained roles still open (Pitstop's own excluded)
 * @param at when the sample was taken
 */
public record DrainSample(Long pendingTasks, List<Session> sessions, Instant at) {
  public DrainSample {
    sessions = List.copyOf(sessions);
  }

  /** How many sessions of the drained roles are open. */
  public int activeConnections() {
    return sessions.size();
  }

  /** Whether the tasks query returned 0 (or there is none). */
  public boolean tasksDone() {
    return pendingTasks == null || pendingTasks <= 0;
  }

  /** Whether nothing is left: no tasks and no sessions. */
  public boolean drained() {
    return tasksDone() && sessions.isEmpty();
  }

  /** What is left, for messages: {@code 2 task(s) pending, 1 session(s) open}. */
  public String describe() {
    StringBuilder out = new StringBuilder();
    if (pendingTasks != null) {
      out.append(pendingTasks).append(" task(s) pending");
    }
    if (!sessions.isEmpty() || pendingTasks == null) {
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(sessions.size()).append(" session(s) open");
    }
    return out.toString();
  }
}
