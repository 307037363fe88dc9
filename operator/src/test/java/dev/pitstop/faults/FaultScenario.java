package dev.pitstop.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.reconciler.MigrationFixturesAccess;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.function.Predicate;

/** What every fault test does around its fault: a Secret, waiting for a phase, secrecy checks. */
final class FaultScenario {
  /** Distinctive, so a leak is found by a plain substring search. */
  static final String PASSWORD = "pw-Fault!7never-shown";

  static final String NAMESPACE = "default";

  private FaultScenario() {}

  /** Creates a Secret named {@code name} for {@code database}. */
  static void secretFor(OperatorExtension kube, String name, TestDatabase database) {
    kube.client()
        .resource(
            MigrationFixturesAccess.secret(name, database.jdbcUrl(), database.user(), PASSWORD))
        .create();
  }

  /** Waits until the resource matches, returning it. */
  static <T extends HasMetadata> T await(
      OperatorExtension kube, Class<T> kind, String name, Duration limit, Predicate<T> until) {
    org.awaitility.Awaitility.await()
        .atMost(limit)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> until.test(get(kube, kind, name)));
    return get(kube, kind, name);
  }

  static <T extends HasMetadata> T get(OperatorExtension kube, Class<T> kind, String name) {
    return kube.client().resources(kind).inNamespace(NAMESPACE).withName(name).get();
  }

  /** The password appears neither in the resource (status included) nor in its Events. */
  static void assertNoPasswordIn(OperatorExtension kube, HasMetadata resource) {
    assertThat(Serialization.asJson(resource)).doesNotContain(PASSWORD);
    for (Event event : kube.eventsFor(resource)) {
      assertThat(event.getMessage()).doesNotContain(PASSWORD);
    }
  }
}
