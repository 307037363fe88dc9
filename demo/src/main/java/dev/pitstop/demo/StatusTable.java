package dev.pitstop.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's live table: redrawn in place on a terminal, or printed as plain lines (one per change)
 * when the output is not a terminal.
 */
final class StatusTable {
  private static final String FORMAT = "%-20s %-26s %-20s %-22s %s";

  private final PrintStream out;
  private final boolean terminal;
  private final Map<String, String> lastLines = new LinkedHashMap<>();
  private int drawnLines;

  StatusTable(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** One row of the table. */
  record Row(String kind, String name, String phase, String progress, String message) {
    String key() {
      return kind + "/" + name;
    }
  }

  /** A row read from a resource's status. */
  @SuppressWarnings("unchecked")
  static Row rowOf(HasMetadata resource) {
    Map<String, Object> map = Serialization.unmarshal(Serialization.asJson(resource), Map.class);
    Map<String, Object> status = (Map<String, Object>) map.getOrDefault("status", Map.of());
    return new Row(
        resource.getKind(),
        resource.getMetadata().getName(),
        String.valueOf(status.getOrDefault("phase", "-")),
        progress(resource.getKind(), status),
        String.valueOf(status.getOrDefault("message", "")));
  }

  @SuppressWarnings("unchecked")
  private static String progress(String kind, Map<String, Object> status) {
    Map<String, Object> p = (Map<String, Object>) status.get("progress");
    switch (kind) {
      case "DatabaseMigration" -> {
        if (p != null && p.get("index") != null) {
          return "file "
              + p.get("index")
              + "/"
              + p.get("total")
              + " stmt "
              + p.get("statement")
              + "/"
              + p.get("statements");
        }
        return status.get("currentVersion") == null
            ? ""
            : "version "
                + status.get("currentVersion")
                + ", "
                + status.getOrDefault("pendingCount", 0)
                + " pending";
      }
      case "SandboxReset" -> {
        if (p != null && p.get("tablesTotal") != null) {
          return "table "
              + p.get("tablesDone")
              + "/"
              + p.get("tablesTotal")
              + ", "
              + p.getOrDefault("rowsDeleted", 0)
              + " rows";
        }
        Map<String, Object> last = (Map<String, Object>) status.get("lastRun");
        return last == null ? "" : last.getOrDefault("rowsDeleted", 0) + " rows deleted";
      }
      case "MaintenanceWindow" -> {
        return "mode " + status.getOrDefault("mode", "-");
      }
      case "CleanupSchedule" -> {
        Map<String, Object> last = (Map<String, Object>) status.get("lastRun");
        return last == null ? "" : last.getOrDefault("rowsDeleted", 0) + " rows deleted";
      }
      default -> {
        return "";
      }
    }
  }

  /** Shows the current rows. */
  void show(List<Row> rows, String footer) {
    if (terminal) {
      redraw(rows, footer);
      return;
    }
    for (Row row : rows) {
      String line =
          String.format(FORMAT, row.kind(), row.name(), row.phase(), row.progress(), row.message());
      if (!line.equals(lastLines.put(row.key(), line))) {
        out.println(line.stripTrailing());
      }
    }
    out.flush();
  }

  /**
   * Leaves the table drawn so far in place (other lines follow it) and draws the next one below.
   */
  void startBelow() {
    drawnLines = 0;
  }

  private void redraw(List<Row> rows, String footer) {
    StringBuilder frame = new StringBuilder();
    if (drawnLines > 0) {
      frame.append("\033[").append(drawnLines).append("F");
    }
    List<String> lines = new ArrayList<>();
    lines.add(String.format(FORMAT, "KIND", "NAME", "PHASE", "PROGRESS", "MESSAGE"));
    for (Row row : rows) {
      lines.add(
          String.format(
              FORMAT, row.kind(), row.name(), row.phase(), row.progress(), clip(row.message())));
    }
    lines.add(footer);
    for (String line : lines) {
      frame.append("\033[2K").append(line.stripTrailing()).append('\n');
    }
    drawnLines = lines.size();
    out.print(frame);
    out.flush();
  }

  private static String clip(String text) {
    return text.length() > 70 ? text.substring(0, 67) + "..." : text;
  }
}
