package dev.pitstop.maintenance;

import java.time.Instant;
import java.util.List;

/**
 * The mode row as stored, with the holders that keep it.
 *
 * @param mode the mode; {@code null} if the row holds a value Pitstop does not know
 * @param rawMode the stored text
 * @param pendingTasksCount the latest value of the tasks query Pitstop wrote
 * @param runningTasksCount the sessions of drained roles still open when Pitstop last wrote
 * @param modeChangedAt when the mode last changed
 * @param modeExpiresAt when the last holder's lease ends; {@code null} when the mode is running, a
 *     holder holds until released, or the table has no {@code mode_expires_at} column
 * @param holders the holders, oldest first
 */
public record ModeState(
    Mode mode,
    String rawMode,
    long pendingTasksCount,
    long runningTasksCount,
    Instant modeChangedAt,
    Instant modeExpiresAt,
    List<Holder> holders) {
  public ModeState {
    holders = List.copyOf(holders);
  }

  /**
   * One holder of the mode.
   *
   * @param name who holds it (CLI: {@code --holder} or user@host/pid; a window: namespace/name)
   * @param state {@code waiting_for_maintenance} while draining, then {@code maintenance}
   * @param expiresAt when its lease ends unless renewed; {@code null}: until released
   * @param since when it registered
   * @param expired whether its lease has ended (it is dropped at the next write)
   */
  public record Holder(
      String name, Mode state, Instant expiresAt, Instant since, boolean expired) {}
}
