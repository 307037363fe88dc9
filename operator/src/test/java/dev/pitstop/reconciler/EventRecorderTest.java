package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.KubernetesApiExtension;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Repeated Events are counted, and the counts the recorder keeps stay bounded however many distinct
 * Events it writes: an operator that runs for months must not keep one entry per message it ever
 * wrote.
 */
class EventRecorderTest {
  private static final int REMEMBERED = 8;

  @RegisterExtension final KubernetesApiExtension kube = new KubernetesApiExtension();

  private EventRecorder events;
  private final ConfigMap object =
      new ConfigMapBuilder()
          .withNewMetadata()
          .withName("subject")
          .withNamespace("default")
          .withUid("uid-1")
          .endMetadata()
          .build();

  @BeforeEach
  void recorder() {
    events =
        new EventRecorder(
            kube.client(),
            m -> m,
            Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC),
            REMEMBERED);
  }

  @Test
  void aRepeatedEventIncrementsTheCountOfTheExistingOne() {
    events.normal(object, "Planned", "3 migrations pending");
    events.normal(object, "Planned", "3 migrations pending");
    events.normal(object, "Planned", "3 migrations pending");

    assertThat(recorded()).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(3));
  }

  @Test
  void theCountsKeptAreBoundedByTheNumberRemembered() {
    for (int i = 0; i < 5 * REMEMBERED; i++) {
      events.warning(object, "RetryScheduled", "attempt " + i + " failed");
      assertThat(events.remembered()).isLessThanOrEqualTo(REMEMBERED);
    }
    assertThat(recorded()).hasSize(5 * REMEMBERED);
  }

  @Test
  void anEventRecordedAgainAfterItWasForgottenStartsANewCount() {
    events.normal(object, "Planned", "first");
    events.normal(object, "Planned", "first");
    for (int i = 0; i < REMEMBERED; i++) {
      events.normal(object, "Planned", "other " + i);
    }
    events.normal(object, "Planned", "first");

    assertThat(recorded())
        .filteredOn(e -> e.getMessage().equals("first"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void anEventThatKeepsRecurringIsNotTheOneForgotten() {
    events.normal(object, "Planned", "recurring");
    for (int i = 0; i < 3 * REMEMBERED; i++) {
      events.normal(object, "Planned", "other " + i);
      events.normal(object, "Planned", "recurring");
    }

    assertThat(recorded())
        .filteredOn(e -> e.getMessage().equals("recurring"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(1 + 3 * REMEMBERED));
  }

  @Test
  void aLastingWarningIsRecordedOnlyWhenItsMessageChanges() {
    events.warningOnChange(object, "DeprecatedField", "spec.a is deprecated");
    events.warningOnChange(object, "DeprecatedField", "spec.a is deprecated");
    events.warningOnChange(object, "DeprecatedField", "spec.a is deprecated");
    assertThat(recorded())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo("DeprecatedField");
              assertThat(e.getCount()).as("not counted again while it lasts").isEqualTo(1);
            });

    events.warningOnChange(object, "DeprecatedField", "spec.b is deprecated");
    assertThat(recorded()).extracting(Event::getMessage).contains("spec.b is deprecated");
    assertThat(recorded()).hasSize(2);

    events.warningOnChange(object, "DeprecatedField", null);
    events.warningOnChange(object, "DeprecatedField", "spec.b is deprecated");
    assertThat(recorded())
        .as("the state ended and came back: recorded again")
        .filteredOn(e -> e.getMessage().equals("spec.b is deprecated"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(2));
  }

  private List<Event> recorded() {
    return kube.client().v1().events().inNamespace("default").list().getItems();
  }
}
