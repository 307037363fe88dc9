package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.pitstop.testing.ProjectFiles;
import org.junit.jupiter.api.Test;

/** {@code helm lint --strict} on the chart. */
class ChartLintTest {
  @Test
  void lintsCleanInStrictMode() {
    LintResult result = new Helm(ProjectFiles.chart()).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    assertThat(result.getMessages())
        .as("only informational notes (a chart icon is recommended)")
        .allSatisfy(m -> assertThat(m).startsWith("[INFO]"));
  }
}
