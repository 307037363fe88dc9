package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextTableTest {
  @Test
  void alignsColumnsWithoutTrailingSpaces() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new TextTable("VERSION", "SCRIPT", "NOTE")
        .row("1", "V1__create_a_long_table.sql", null)
        .row("10", "V10__x.sql", "outside a transaction")
        .print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "  ");

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "  VERSION  SCRIPT                       NOTE",
            "  1        V1__create_a_long_table.sql",
            "  10       V10__x.sql                   outside a transaction");
  }
}
