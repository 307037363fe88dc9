package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.reconciler.StatusPatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A status computed from an older version of the resource is not written over a newer one, on the
 * real API server, both ways the operator writes status (server-side apply, the default, and an
 * update): another writer (a second operator without leader election) wrote a result meanwhile, the
 * write fails on the version it read instead of being sent again over the newer version, and the
 * next reconcile starts from the other writer's status. State stored before acting ({@link
 * StatusPatch#writeNow}) goes over a user's edit of the resource but not over another writer's
 * status.
 */
@EndToEnd
class StatusWriteE2eIT {
  private static final String NAMESPACE = "e2e-status";
  private static final String OTHER = "written by another operator meanwhile";

  private static KubernetesClient admin;

  @BeforeAll
  static void install() {
    PitstopRelease release = PitstopRelease.shared();
    release.namespace(NAMESPACE);
    admin = release.admin();
  }

  /**
   * Reconciles one resource: the first reconcile writes status while another writer changes the
   * resource ({@link #first}); every reconcile records the status message it starts from.
   */
  private abstract static class OnceWriter implements Reconciler<DatabaseMigration> {
    final List<String> outcomes = new CopyOnWriteArrayList<>();
    final List<String> seen = new CopyOnWriteArrayList<>();
    final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    final String name;

    OnceWriter(String name) {
      this.name = name;
    }

    @Override
    public UpdateControl<DatabaseMigration> reconcile(
        DatabaseMigration resource, Context<DatabaseMigration> context) {
      try {
        if (!resource.getMetadata().getName().equals(name)) {
          return UpdateControl.noUpdate();
        }
        seen.add(resource.getStatus() == null ? "null" : resource.getStatus().message);
        if (!outcomes.isEmpty()) {
          return UpdateControl.noUpdate();
        }
        outcomes.add(first(resource, context));
        // Status-only changes bring no reconcile (generation-aware): ask for one, as the kinds do.
        return UpdateControl.<DatabaseMigration>noUpdate()
            .rescheduleAfter(StatusPatch.AFTER_CONFLICT);
      } catch (RuntimeException e) {
        failures.add(e);
        throw e;
      }
    }

    /** The first reconcile's write; returns what became of it. */
    abstract String first(DatabaseMigration resource, Context<DatabaseMigration> context);

    /** Another writer's status, written over the version the reconcile read. */
    void otherWriterSetsStatus() {
      DatabaseMigration other = stored(name);
      other.setStatus(new DatabaseMigrationStatus());
      other.getStatus().message = OTHER;
      admin.resource(other).updateStatus();
    }

    /**
     * Waits for the first reconcile's write, then for a reconcile that starts from {@code status}.
     */
    void awaitWriteThenSeen(String status) {
      await("the reconcile's write")
          .atMost(Duration.ofSeconds(60))
          .failFast("the reconcile failed (see the log)", () -> !failures.isEmpty())
          .until(() -> !outcomes.isEmpty());
      await("a reconcile that starts from: " + status)
          .atMost(Duration.ofSeconds(30))
          .until(() -> seen.contains(status));
    }
  }

  /** Writes over what it read; the first time, another writer was first. */
  @ControllerConfiguration(name = "status-write-e2e")
  private static final class StaleWriter extends OnceWriter {
    StaleWriter(String name) {
      super(name);
    }

    @Override
    String first(DatabaseMigration resource, Context<DatabaseMigration> context) {
      if (resource.getStatus() == null) {
        resource.setStatus(new DatabaseMigrationStatus());
      }
      String before = StatusPatch.snapshot(resource);
      resource.getStatus().message = "from a reconcile that read an older version";
      otherWriterSetsStatus();
      return StatusPatch.ifChanged(resource, before, context) ? "written" : "dropped";
    }
  }

  @ParameterizedTest(name = "server-side apply: {0}")
  @ValueSource(booleans = {true, false})
  void aStatusFromAnOlderVersionIsNotWrittenOverANewerOne(boolean ssa) {
    String name = ssa ? "stale-apply" : "stale-update";
    create(name);
    StaleWriter reconciler = new StaleWriter(name);
    Operator operator = start(reconciler, ssa);
    try {
      reconciler.awaitWriteThenSeen(OTHER);
      assertThat(reconciler.outcomes).as("the stale status").containsExactly("dropped");
      assertThat(stored(name).getStatus().message).isEqualTo(OTHER);
    } finally {
      operator.stop();
      admin.resources(DatabaseMigration.class).inNamespace(NAMESPACE).withName(name).delete();
    }
  }

  /** An operator with only {@code reconciler}, writing status the way {@code ssa} says. */
  private static Operator start(Reconciler<DatabaseMigration> reconciler, boolean ssa) {
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(admin)
                    .withUseSSAToPatchPrimaryResource(ssa)
                    .withCloseClientOnStop(false));
    operator.register(reconciler, c -> c.settingNamespaces(NAMESPACE));
    operator.start();
    return operator;
  }

  private static DatabaseMigration stored(String name) {
    return admin.resources(DatabaseMigration.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private static void create(String name) {
    admin
        .resource(
            admin
                .getKubernetesSerialization()
                .unmarshal(
                    String.join(
                        "\n",
                        "apiVersion: pitstop.dev/v1alpha1",
                        "kind: DatabaseMigration",
                        "metadata: {name: " + name + ", namespace: " + NAMESPACE + "}",
                        "spec:",
                        "  database: {secretRef: {name: app-db}}",
                        "  source:",
                        "    inline:",
                        "    - {name: V1__one.sql, sql: \"SELECT 1;\"}",
                        ""),
                    DatabaseMigration.class))
        .create();
  }

  /**
   * Stores state before acting ({@link StatusPatch#writeNow}, as a MaintenanceWindow stores the
   * original replicas before scaling); the first time, the resource changed meanwhile.
   */
  @ControllerConfiguration(name = "status-write-now-e2e")
  private static final class EarlyWriter extends OnceWriter {
    private final boolean otherWritesStatus;

    EarlyWriter(String name, boolean otherWritesStatus) {
      super(name);
      this.otherWritesStatus = otherWritesStatus;
    }

    @Override
    String first(DatabaseMigration resource, Context<DatabaseMigration> context) {
      String stored = StatusPatch.snapshot(resource);
      if (resource.getStatus() == null) {
        resource.setStatus(new DatabaseMigrationStatus());
      }
      String before = StatusPatch.snapshot(resource);
      resource.getStatus().message = MINE;
      if (otherWritesStatus) {
        otherWriterSetsStatus();
      } else {
        DatabaseMigration edited = stored(name);
        edited.getMetadata().setLabels(Map.of("edited", "by-the-user"));
        admin.resource(edited).update();
      }
      try {
        StatusPatch.writeNow(resource, context, before, stored);
        return "written";
      } catch (StatusPatch.Superseded e) {
        return "superseded";
      }
    }
  }

  private static final String MINE = "stored before acting";

  /**
   * State stored before acting is written over a newer version only when that version's status is
   * still the one read: a user's edit of the resource does not lose it, another writer's status is
   * not overwritten (the reconcile stops and starts again from it).
   */
  @ParameterizedTest(name = "server-side apply: {0}, the other writer changed the status: {1}")
  @CsvSource({"true, true", "false, true", "true, false", "false, false"})
  void stateStoredBeforeActingGoesOverAnEditButNotOverAnotherWritersStatus(
      boolean ssa, boolean otherWritesStatus) {
    String name = "early-" + (ssa ? "apply" : "update") + (otherWritesStatus ? "-status" : "-edit");
    create(name);
    EarlyWriter reconciler = new EarlyWriter(name, otherWritesStatus);
    Operator operator = start(reconciler, ssa);
    try {
      String expected = otherWritesStatus ? OTHER : MINE;
      reconciler.awaitWriteThenSeen(expected);
      assertThat(reconciler.outcomes).containsExactly(otherWritesStatus ? "superseded" : "written");
      DatabaseMigration stored = stored(name);
      assertThat(stored.getStatus().message).isEqualTo(expected);
      if (!otherWritesStatus) {
        assertThat(stored.getMetadata().getLabels()).containsEntry("edited", "by-the-user");
      }
    } finally {
      operator.stop();
      admin.resources(DatabaseMigration.class).inNamespace(NAMESPACE).withName(name).delete();
    }
  }
}
