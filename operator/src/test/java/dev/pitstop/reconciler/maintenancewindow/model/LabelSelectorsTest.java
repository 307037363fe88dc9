package dev.pitstop.reconciler.maintenancewindow.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorsTest {

  @Test
  void matchLabelsAndExpressionsAllHaveToHold() {
    LabelSelector selector =
        new LabelSelectorBuilder()
            .withMatchLabels(Map.of("app", "shop"))
            .addNewMatchExpression()
            .withKey("tier")
            .withOperator("In")
            .withValues("web", "worker")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("canary")
            .withOperator("DoesNotExist")
            .endMatchExpression()
            .build();

    assertThat(LabelSelectors.matches(selector, Map.of("app", "shop", "tier", "web"))).isTrue();
    assertThat(LabelSelectors.matches(selector, Map.of("app", "shop", "tier", "db"))).isFalse();
    assertThat(LabelSelectors.matches(selector, Map.of("app", "blog", "tier", "web"))).isFalse();
    assertThat(
            LabelSelectors.matches(selector, Map.of("app", "shop", "tier", "web", "canary", "yes")))
        .isFalse();
  }

  @Test
  void notInAndExistsAndTheEmptySelector() {
    LabelSelector notIn =
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey("env")
            .withOperator("NotIn")
            .withValues("prod")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("team")
            .withOperator("Exists")
            .endMatchExpression()
            .build();

    assertThat(LabelSelectors.matches(notIn, Map.of("team", "a"))).isTrue();
    assertThat(LabelSelectors.matches(notIn, Map.of("team", "a", "env", "prod"))).isFalse();
    assertThat(LabelSelectors.matches(notIn, Map.of("env", "dev"))).isFalse();
    assertThat(LabelSelectors.matches(new LabelSelector(), Map.of())).isTrue();
    assertThat(LabelSelectors.matches(null, Map.of())).isFalse();
  }

  @Test
  void problemsNameTheExpression() {
    LabelSelector bad =
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey("tier")
            .withOperator("Like")
            .endMatchExpression()
            .build();
    LabelSelector noValues =
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey("tier")
            .withOperator("In")
            .endMatchExpression()
            .build();

    assertThat(LabelSelectors.problem(bad, "Deployment")).contains("'tier'").contains("'Like'");
    assertThat(LabelSelectors.problem(noValues, "Deployment")).contains("needs values");
    assertThat(
            LabelSelectors.problem(
                new LabelSelectorBuilder().withMatchLabels(Map.of("tier", "web")).build(),
                "Deployment"))
        .isNull();
  }

  @Test
  void anEmptySelectorIsAProblemSinceItSelectsEverything() {
    LabelSelector emptyLabels = new LabelSelectorBuilder().withMatchLabels(Map.of()).build();

    assertThat(LabelSelectors.problem(new LabelSelector(), "Deployment"))
        .isEqualTo(
            "is empty and would select every Deployment of the namespace; name the labels to"
                + " match in matchLabels or matchExpressions");
    assertThat(LabelSelectors.problem(emptyLabels, "CronJob")).contains("every CronJob");
  }
}
