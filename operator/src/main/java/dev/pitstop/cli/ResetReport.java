package dev.pitstop.cli;

import dev.pitstop.reset.ResetListener;
import dev.pitstop.reset.ResetPlan;
import dev.pitstop.reset.ResetPlan.PlannedTable;
import dev.pitstop.reset.ResetProgress;
import dev.pitstop.reset.ResetResult;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints reset plans, progress and results for people at a terminal. */
final class ResetReport {
  private ResetReport() {}

  /** The plan: order with row counts, preserved tables, references, cycles, seeds, warnings. */
  static void plan(ResetPlan plan, PrintStream out) {
    out.println(
        "Database "
            + plan.database()
            + ", strategy "
            + plan.strategy().name().toLowerCase(Locale.ROOT)
            + ": "
            + plan.tables().size()
            + " table(s) to empty, children before parents");
    int width = plan.tables().stream().mapToInt(t -> t.name().length()).max().orElse(10);
    long rows = 0;
    for (int i = 0; i < plan.tables().size(); i++) {
      PlannedTable t = plan.tables().get(i);
      StringBuilder line =
          new StringBuilder(String.format("  %3d. %-" + width + "s", i + 1, t.name()));
      if (t.rows() >= 0) {
        line.append(String.format("  %,12d rows", t.rows()));
        rows += t.rows() - Math.max(0, t.keptRows());
      }
      if (t.keptRows() > 0) {
        line.append(" (").append(t.keptRows()).append(" kept)");
      }
      if (t.truncated()) {
        line.append("  TRUNCATE");
      } else if (t.checksSkipped()) {
        line.append("  (referencing tables already empty: no per-row FK checks)");
      }
      out.println(line);
    }
    section(out, "Partitions, emptied with their partitioned table", plan.partitions());
    section(
        out,
        "Preserved",
        plan.preserved().stream().map(p -> p.name() + "  (" + p.reason() + ")").toList());
    section(
        out,
        "Referenced from kept tables",
        plan.references().stream().map(ResetPlan.TableReference::describe).toList());
    section(
        out,
        "Cycles",
        java.util.stream.Stream.concat(
                plan.deferredConstraints().stream().map(c -> "deferred to commit: " + c),
                plan.nulledForeignKeys().stream())
            .toList());
    section(out, "Sequences restarted", plan.sequences());
    section(out, "Seeds, in order", plan.seeds());
    section(out, "Warnings", plan.warnings());
    section(out, "Privileges checked, all granted", plan.privileges());
    if (plan.tables().stream().allMatch(t -> t.rows() >= 0)) {
      out.println("Would delete " + rows + " row(s).");
    }
  }

  /**
   * A listener printing the plan's warnings before anything is deleted, then one line per table and
   * seed script.
   */
  static ResetListener progress(PrintStream out) {
    return new ResetListener() {
      @Override
      public void onPlanned(ResetPlan plan) {
        section(out, "Warnings", plan.warnings());
      }

      @Override
      public void onProgress(ResetProgress p) {
        switch (p.stage()) {
          case PLANNING -> out.println("planning ...");
          case EMPTYING ->
              out.println(
                  "emptying "
                      + p.table()
                      + " ("
                      + (p.tablesDone() + 1)
                      + "/"
                      + p.tablesTotal()
                      + ", "
                      + p.rowsDeleted()
                      + " rows deleted so far)");
          case SEEDING ->
              out.println(
                  "seeding " + p.seed() + " (" + (p.seedsDone() + 1) + "/" + p.seedsTotal() + ")");
          default -> throw new IllegalStateException(p.stage().name());
        }
      }
    };
  }

  /** The result: rows per table and totals. */
  static void result(ResetResult result, PrintStream out) {
    for (ResetResult.TableResult t : result.tables()) {
      out.println(
          "  "
              + t.name()
              + ": "
              + t.rowsDeleted()
              + " deleted"
              + (t.rowsKept() > 0 ? ", " + t.rowsKept() + " kept" : ""));
    }
    out.println(
        "Deleted "
            + result.rowsDeleted()
            + " row(s) from "
            + result.tables().size()
            + " table(s)"
            + (result.seeds().isEmpty() ? "" : ", ran " + result.seeds().size() + " seed(s)")
            + " in "
            + result.durationMs()
            + " ms; committed"
            + (result.plan().warnings().isEmpty()
                ? "."
                : " with " + result.plan().warnings().size() + " warning(s), printed above."));
    result.afterReset().forEach(line -> out.println("  after the reset: " + line));
    section(out, "Warnings after the reset (it committed)", result.afterResetWarnings());
  }

  private static void section(PrintStream out, String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    out.println(title + ":");
    lines.forEach(line -> out.println("  " + line));
  }
}
