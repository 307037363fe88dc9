package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.internal.parser.PlaceholderReplacingReader;
import org.junit.jupiter.api.Test;

/** Pitstop's placeholder replacement gives the text Flyway's own reader gives. */
class PlaceholdersTest {

  private static final Map<String, String> VALUES =
      Map.of("schema", "app", "Owner", "alice", "empty", "", "nested", "${schema}");

  private static String flyway(String prefix, String suffix, String sql) throws IOException {
    try (PlaceholderReplacingReader reader =
        new PlaceholderReplacingReader(prefix, suffix, ":", VALUES, new StringReader(sql))) {
      StringBuilder out = new StringBuilder();
      int c;
      while ((c = reader.read()) != -1) {
        out.append((char) c);
      }
      return out.toString();
    }
  }

  @Test
  void replacesAsFlywayDoesInStringsCommentsAnyKeyCaseAndAfterPartialPrefixes() throws Exception {
    List<String> texts =
        List.of(
            "CREATE TABLE ${schema}.t (id int);",
            "-- owned by ${owner}\nSELECT '${OWNER}', \"${Schema}\" /* ${schema} */;",
            "SELECT $$${schema}$$, $${schema}, $$${schema}, a$${schema}, {${schema}}",
            "SELECT '${empty}x${nested}y';",
            "SELECT $ {schema} $x ${schema}${schema}",
            "no placeholders at all $ { }",
            "${schema}",
            "ends with $",
            "ends with $$");
    Placeholders placeholders = Placeholders.of(VALUES, true, "${", "}");
    for (String text : texts) {
      assertThat(placeholders.replace("V1__x.sql", text))
          .as(text)
          .isEqualTo(flyway("${", "}", text));
    }
    Placeholders custom = Placeholders.of(VALUES, true, "#[", "]]");
    String text = "SELECT '#[schema]]', '##[schema]]', '#[owner]]x' -- ${schema} #[ empty]] ";
    assertThatThrownBy(() -> flyway("#[", "]]", text)).isInstanceOf(FlywayException.class);
    String ok = "SELECT '#[schema]]', '##[schema]]', '#[owner]]x' -- ${schema} #[empty]]";
    assertThat(custom.replace("V1__x.sql", ok)).isEqualTo(flyway("#[", "]]", ok));
    assertThat(custom.replace("V1__x.sql", ok))
        .isEqualTo("SELECT 'app', '##[schema]]', 'alicex' -- ${schema} ");
  }

  @Test
  void anUnsetPlaceholderIsRefusedNamingFileLineAndKeyAsFlywayRefusesIt() {
    Placeholders placeholders = Placeholders.of(VALUES, true, "${", "}");
    String sql = "SELECT 1;\r\nSELECT 2;\n-- ${schema}\nSELECT '${tenant}';\n";
    assertThatThrownBy(() -> flyway("${", "}", sql))
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("${tenant}");
    assertThatThrownBy(() -> placeholders.replace("sub/V2__tenant.sql", sql))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNSET_PLACEHOLDER);
              assertThat(e.subject()).isEqualTo("sub/V2__tenant.sql");
            })
        .hasMessage(
            "Migration script sub/V2__tenant.sql uses placeholder ${tenant} at line 4 but no value"
                + " is set for tenant; give it a value (pitstop --placeholder tenant=VALUE,"
                + " spec.placeholders).");
    // a built-in needs a session; without one, it counts as set
    assertThat(placeholders.replaceWithoutSession("V1__x.sql", "SELECT '${flyway:user}'"))
        .isEqualTo("SELECT 'x'");
    assertThatThrownBy(() -> placeholders.replace("V1__x.sql", "SELECT '${flyway:user}'"))
        .hasMessageContaining("${flyway:user} at line 1 but no value is set");
    assertThatThrownBy(() -> placeholders.replace("V1__x.sql", "SELECT 1;\nSELECT '${schema"))
        .hasMessage(
            "Migration script V1__x.sql has ${ at line 2 without a closing }; close the"
                + " placeholder, or turn placeholder replacement off.");
    // replacement off: the text is used as it is
    assertThat(Placeholders.of(Map.of(), false, "${", "}").replace("V1__x.sql", sql))
        .isEqualTo(sql);
  }

  @Test
  void builtInsOfTheRunAndTheFileNameTakePrecedenceOverGivenValues() {
    Placeholders placeholders =
        Placeholders.of(Map.of("flyway:user", "mallory"), true, "${", "}")
            .withBuiltIns("app", "alice", "shop", "flyway_schema_history");
    assertThat(
            placeholders.replace(
                "sub/V1__x.sql",
                "${flyway:defaultSchema} ${flyway:user} ${FLYWAY:DATABASE} ${flyway:table}"
                    + " ${flyway:filename} ${flyway:workingDirectory}"))
        .isEqualTo(
            "app alice shop flyway_schema_history V1__x.sql " + System.getProperty("user.dir"));
    assertThat(placeholders.replace("V1__x.sql", "${flyway:timestamp}"))
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
  }
}
