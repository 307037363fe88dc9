package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;

import org.flywaydb.core.internal.resolver.ChecksumCalculator;
import org.flywaydb.core.internal.resource.StringResource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScriptChecksumTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "CREATE TABLE t (id int);",
        "CREATE TABLE t (id int);\n",
        "CREATE TABLE t (id int);\n\n\n",
        "CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n",
        "a\rb\rc",
        "\uFEFFCREATE TABLE bom (id int);\n",
        "\uFEFF",
        "-- ünïcödé ✓ 日本語\nSELECT 'é';\n",
        "\n\nSELECT 1;\n  \n\tSELECT 2;  \n"
      })
  void equalsFlywaysChecksum(String sql) {
    assertThat(ScriptChecksum.of(sql))
        .isEqualTo(ChecksumCalculator.calculate(new StringResource(sql)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT 1;\n", "SELECT 1;\r\n", "SELECT 1;", "\uFEFFSELECT 1;\r\n"})
  void ignoresLineEndingsFinalNewlineAndBom(String sql) {
    assertThat(ScriptChecksum.of(sql)).isEqualTo(ScriptChecksum.of("SELECT 1;"));
  }
}
