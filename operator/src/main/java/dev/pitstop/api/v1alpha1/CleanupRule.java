package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One kind of row a CleanupSchedule deletes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "(has(self.olderThan) ? 1 : 0) + (has(self.orphanedBy) ? 1 : 0)"
            + " + (has(self.where) ? 1 : 0) == 1",
    message = "set exactly one of olderThan, orphanedBy or where")
public class CleanupRule {
  @Required
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  @JsonPropertyDescription("Name of the rule, used in status, Events and metrics.")
  public String name;

  @Required
  @Pattern(Patterns.QUALIFIED_NAME)
  @JsonPropertyDescription("Table to delete from, optionally schema-qualified.")
  public String table;

  @JsonPropertyDescription("Delete rows whose column is older than age.")
  public OlderThan olderThan;

  @JsonPropertyDescription("Delete rows whose parent row no longer exists.")
  public OrphanedBy orphanedBy;

  @JsonPropertyDescription(
      "Delete rows matching this boolean SQL expression; one expression, no statements,"
          + " validated by the server before use.")
  public String where;

  /** Rows older than an age. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class OlderThan {
    @Required
    @Pattern(Patterns.IDENTIFIER)
    @JsonPropertyDescription("A timestamp, timestamptz or date column.")
    public String column;

    @Required
    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("Rows with column < now() - age are deleted, e.g. 0s or 365d.")
    public String age;
  }

  /** Rows whose parent is gone. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class OrphanedBy {
    @Required
    @Pattern(Patterns.IDENTIFIER)
    @JsonPropertyDescription("Column in this table that points at the parent.")
    public String column;

    @Required
    @Pattern(Patterns.QUALIFIED_NAME)
    @JsonPropertyDescription("Parent table, optionally schema-qualified.")
    public String parentTable;

    @Required
    @Pattern(Patterns.IDENTIFIER)
    @JsonPropertyDescription("Column of the parent table that column refers to.")
    public String parentColumn;
  }
}
