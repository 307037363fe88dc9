package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Rows of an emptied table that survive a reset, with every row they reference. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PreservedRows {
  @Required
  @Pattern(Patterns.QUALIFIED_NAME)
  @JsonPropertyDescription("Table, optionally schema-qualified.")
  public String table;

  @Required
  @JsonPropertyDescription(
      "A boolean SQL expression selecting the rows to keep, e.g. role = 'admin'; validated by the"
          + " server before anything is deleted.")
  public String where;

  public PreservedRows() {}

  public PreservedRows(String table, String where) {
    this.table = table;
    this.where = where;
  }
}
