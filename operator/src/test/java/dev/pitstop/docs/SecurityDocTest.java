package dev.pitstop.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.rbac.RequiredPermissions;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** docs/security.md lists exactly the permissions of the chart's files/permissions.yaml. */
class SecurityDocTest {
  @Test
  void permissionTableMatchesThePermissionsFile() throws IOException {
    String expected = permissionTable(RequiredPermissions.load());
    assertThat(Files.readString(ProjectFiles.docs().resolve("security.md")))
        .as("docs/security.md must contain this table, generated from files/permissions.yaml")
        .contains(expected);
  }

  /** The Markdown table docs/security.md shows. */
  static String permissionTable(RequiredPermissions permissions) {
    StringBuilder out = new StringBuilder();
    out.append("| API group | Resources | Verbs | Where | Why |\n");
    out.append("|---|---|---|---|---|\n");
    for (RequiredPermissions.Rule rule : permissions.rules()) {
      out.append("| ")
          .append(rule.apiGroup().isEmpty() ? "core" : "`" + rule.apiGroup() + "`")
          .append(" | ")
          .append(String.join(", ", rule.resources().stream().map(r -> "`" + r + "`").toList()))
          .append(" | ")
          .append(String.join(", ", rule.verbs()))
          .append(" | ")
          .append(where(rule))
          .append(" | ")
          .append(rule.why().strip())
          .append(" |\n");
    }
    return out.toString();
  }

  private static String where(RequiredPermissions.Rule rule) {
    String where =
        switch (rule.scope()) {
          case RequiredPermissions.WATCHED -> "watched namespaces";
          case RequiredPermissions.LEASE_NAMESPACE -> "release namespace";
          case RequiredPermissions.CLUSTER -> "cluster";
          default -> throw new IllegalStateException(rule.scope());
        };
    if (rule.when() != null) {
      where += ", with leader election";
    }
    if (rule.kinds() != null) {
      where += ", only while " + String.join(" or ", rule.kinds()) + " are reconciled";
    }
    if (rule.resourcesPerKind()) {
      where += ", each kind's only while it is reconciled";
    }
    return where;
  }
}
