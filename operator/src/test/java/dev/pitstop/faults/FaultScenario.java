package dev.pitstop.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** What every fault test does around its fault: a Secret, waiting for a phase, secrecy checks. */
final class FaultScenario {
  /** Distinctive, so a leak is found by a plain substring search. */
  static final String PASSWORD = "pw-Fault!7never-shown";

  static final String NAMESPACE = "default";

  private FaultScenario() {}

  /**
   * Creates a Secret named {@code name} for {@code database} and waits until the operator's
   * informers have it, so that a resource created next finds its database at once (a run requested
   * at creation would otherwise fail on a Secret the operator has not seen yet).
   */
  static void secretFor(OperatorExtension kube, String name, TestDatabase database) {
    kube.createObserved(
        MigrationFixturesAccess.secret(name, database.jdbcUrl(), database.user(), PASSWORD));
  }

  /** Waits until the resource matches, returning it. */
  static <T extends HasMetadata> T await(
      OperatorExtension kube, Class<T> kind, String name, Duration limit, Predicate<T> until) {
    try {
      Awaitility.await()
          .atMost(limit)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> until.test(get(kube, kind, name)));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          name
              + " did not get there in "
              + limit
              + "; now: "
              + Serialization.asJson(get(kube, kind, name)),
          e);
    }
    return get(kube, kind, name);
  }

  /** Waits for a database condition, showing the resource if it does not come. */
  static void awaitDatabase(
      OperatorExtension kube, HasMetadata resource, Duration limit, BooleanSupplier until) {
    try {
      Awaitility.await()
          .atMost(limit)
          .pollInterval(Duration.ofMillis(5))
          .until(until::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "database state not reached; resource: "
              + Serialization.asJson(
                  get(kube, resource.getClass(), resource.getMetadata().getName())),
          e);
    }
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
