package dev.pitstop.reconciler.maintenancewindow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.StatusPatch;
import dev.pitstop.reconciler.maintenancewindow.model.WindowCalendar;
import dev.pitstop.reconciler.maintenancewindow.model.WindowRequests;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One reconcile of one MaintenanceWindow: what was observed, what the phase's work found, and when
 * to look again. Status changes are written with {@link #persist()} before anything is changed that
 * a restore would have to undo.
 */
final class WindowPass {
  final MaintenanceWindow window;
  final Context<MaintenanceWindow> context;
  final MaintenanceWindowStatus status;

  /** The window's jobs and retry state go by its UID; a window created again starts afresh. */
  final BackgroundWork.Key key;

  final long generation;
  final Instant now;
  final boolean deleting;
  final WindowRequests plan;
  final SpecException invalid;
  final WindowCalendar.Window calendar;
  final List<String> holders;

  private String snapshot;
  private String stored;
  private final String storedAtStart;
  private Duration after;

  // What the phase's work found; read by the transition.
  boolean drained;
  boolean failed;
  boolean refused;
  boolean restored;
  String failureReason;
  String failureMessage;

  /** Why the database side was left alone: spec.database points elsewhere now; or null. */
  String repointed;

  WindowPass(
      MaintenanceWindow window,
      Context<MaintenanceWindow> context,
      Instant now,
      boolean deleting,
      WindowRequests plan,
      SpecException invalid,
      WindowCalendar.Window calendar,
      List<String> holders,
      String stored) {
    this.window = window;
    this.context = context;
    this.status = window.getStatus();
    this.key = BackgroundWork.Key.of(MaintenanceWindowReconciler.KIND, window);
    this.generation =
        window.getMetadata().getGeneration() == null ? 0 : window.getMetadata().getGeneration();
    this.now = now;
    this.deleting = deleting;
    this.plan = plan;
    this.invalid = invalid;
    this.calendar = calendar;
    this.holders = holders;
    this.snapshot = StatusPatch.snapshot(window);
    this.stored = stored;
    this.storedAtStart = stored;
  }

  /** A window is open and the resource is not being deleted. */
  boolean open() {
    return calendar.open() && !deleting && invalid == null;
  }

  String name() {
    return window.getMetadata().getName();
  }

  /**
   * Writes status now if it changed (see {@link StatusPatch#writeNow}).
   *
   * @throws StatusPatch.Superseded if another writer changed the status: stop without acting
   */
  void persist() {
    StatusPatch.Written written = StatusPatch.writeNow(window, context, snapshot, stored);
    snapshot = written.status();
    stored = written.stored();
  }

  /** Whether this pass wrote the status (the server holds another status than it read). */
  boolean wroteStatus() {
    return !Objects.equals(storedAtStart, stored);
  }

  /** Asks to be reconciled again within {@code delay} (the shortest request wins). */
  void lookAgainIn(Duration delay) {
    Duration d = delay.isNegative() ? Duration.ZERO : delay;
    if (after == null || d.compareTo(after) < 0) {
      after = d;
    }
  }

  /** Asks to be reconciled again at {@code time}. */
  void lookAgainAt(Instant time) {
    lookAgainIn(Duration.between(now, time).plusMillis(10));
  }

  Duration after(Duration fallback) {
    return after == null ? fallback : after;
  }

  /** A digest of the window's spec without {@code notify} (SHA-256 of its JSON, hex). */
  static String specDigest(MaintenanceWindow window) {
    if (window.getSpec() == null) {
      return null;
    }
    ObjectNode tree = Serialization.jsonMapper().valueToTree(window.getSpec());
    tree.remove("notify");
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(tree.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code pitstop.dev/run-requested-at} annotation, or null. */
  static String runRequest(MaintenanceWindow window) {
    Map<String, String> a = window.getMetadata().getAnnotations();
    return a == null ? null : a.get(Pitstop.RUN_REQUESTED_AT);
  }

  static String time(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  static Instant parse(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
