package dev.pitstop.cleanup;

import java.util.List;
import java.util.Locale;

/**
 * What a rule's deletes did to one table through foreign keys.
 *
 * @param table the table, schema-qualified (the rule's own table when a key references it)
 * @param deleted rows deleted by {@code ON DELETE CASCADE} (besides the rule's own rows)
 * @param nulled rows whose reference was set to NULL or its default ({@code ON DELETE SET NULL /
 *     SET DEFAULT})
 */
public record CascadeCount(String table, long deleted, long nulled) {

  /**
   * One clause, e.g. "cascades deleted 640 row(s) in public.child, nulled 3 reference(s) in
   * public.x"; empty when nothing was reached.
   *
   * @param dryRun "would delete" instead of "deleted"
   */
  public static String describe(List<CascadeCount> cascades, boolean dryRun) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    for (CascadeCount c : cascades) {
      if (c.deleted() != 0) {
        parts.add(
            (dryRun ? "would delete " : "deleted ")
                + count(c.deleted())
                + " row(s) in "
                + c.table());
      }
    }
    for (CascadeCount c : cascades) {
      if (c.nulled() != 0) {
        parts.add(
            (dryRun ? "would null " : "nulled ")
                + count(c.nulled())
                + " reference(s) in "
                + c.table());
      }
    }
    return parts.isEmpty() ? "" : "cascades " + String.join(", ", parts);
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
