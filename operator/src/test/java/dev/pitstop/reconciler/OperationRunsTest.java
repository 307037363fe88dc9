package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.reconciler.Operation.Due;
import dev.pitstop.reconciler.Operation.Launch;
import dev.pitstop.reconciler.OperationRuns.Stage;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.testing.KubernetesApiExtension;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The run lifecycle, one transition of {@link Stage} at a time, with a kind whose jobs the test
 * scripts and a clock the test moves: nothing here waits for time to pass, only for a worker to
 * finish a job it was allowed to finish.
 */
class OperationRunsTest {
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);

  @RegisterExtension final KubernetesApiExtension kube = new KubernetesApiExtension();

  private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final Deque<Function<Consumer<Integer>, String>> jobs = new ArrayDeque<>();
  private final List<Boolean> publications = new ArrayList<>();
  private final CompletableFuture<String> release = new CompletableFuture<>();
  private final ReconcileGate gate = new ReconcileGate();
  private BackgroundWork work;
  private ScriptedKind kind;
  private OperationRuns<DatabaseMigration, String, String, Integer, String> runs;
  private int started;
  private boolean keepUntilSeen = true;

  @BeforeEach
  void lifecycle() {
    work = new BackgroundWork(1, 1, Duration.ofMillis(250), clock);
    ExponentialBackoff backoff =
        new ExponentialBackoff(FIRST_BACKOFF, 2.0, Duration.ofMinutes(5), 0.0);
    EventRecorder events = new EventRecorder(kube.client(), m -> m, clock);
    kind = new ScriptedKind();
    runs =
        new OperationRuns<>(
            "Test",
            DatabaseMigrationStatus::new,
            kind,
            OperationReferences.withScripts(r -> null, r -> null, r -> null),
            new OperationRuns.Services(
                null,
                work,
                events,
                new PitstopMetrics(new SimpleMeterRegistry()),
                backoff,
                clock,
                null,
                gate));
  }

  @AfterEach
  void stop() {
    release.complete("released");
    work.close();
  }

  @Test
  void aRunStartsIsObservedAndItsResultIsPublishedOnceUntilStatusShowsIt() {
    DatabaseMigration resource = resource("uid-1", 1);
    jobs.add(
        progress -> {
          progress.accept(1);
          return release.join();
        });

    assertThat(advance(resource)).as("IDLE → RUNNING").isEqualTo(OperationRuns.WHILE_RUNNING);
    assertThat(runs.stage(resource)).isEqualTo(Stage.RUNNING);
    assertThat(message(resource)).isEqualTo("started run-1");

    await().until(() -> work.find(key(resource)).flatMap(BackgroundWork.Job::progress).isPresent());
    advance(resource);
    assertThat(message(resource)).as("observed").isEqualTo("running: 1");

    release.complete("42 rows");
    awaitStage(resource, Stage.FINISHED);
    assertThat(advance(resource)).as("FINISHED → PUBLISHED").isEqualTo(Duration.ofSeconds(1));
    assertThat(runs.stage(resource)).isEqualTo(Stage.PUBLISHED);
    assertThat(message(resource)).isEqualTo("done: 42 rows");

    // The status write was lost: the next reconcile starts from the old status again.
    resource.getStatus().message = "running: 1";
    advance(resource);
    assertThat(message(resource)).isEqualTo("done: 42 rows");
    assertThat(runs.stage(resource)).isEqualTo(Stage.PUBLISHED);

    assertThat(advance(resource)).as("PUBLISHED → IDLE, nothing due").isNull();
    assertThat(runs.stage(resource)).isEqualTo(Stage.IDLE);
    assertThat(publications).as("announced once, written again once").containsExactly(true, false);
    assertThat(started).isEqualTo(1);
    assertThat(runs.remembered()).isZero();
  }

  @Test
  void aResultTheKindKeepsNoLongerIsForgottenAtOnce() {
    keepUntilSeen = false;
    DatabaseMigration resource = resource("uid-1", 1);
    jobs.add(progress -> "done");
    advance(resource);
    awaitStage(resource, Stage.FINISHED);

    assertThat(advance(resource)).as("FINISHED → IDLE, nothing due").isNull();
    assertThat(runs.stage(resource)).isEqualTo(Stage.IDLE);
    assertThat(publications).containsExactly(true);
  }

  @Test
  void aTransientFailureRetriesTheSameRunAfterABackoffReadFromTheClock() {
    DatabaseMigration resource = resource("uid-1", 1);
    jobs.add(OperationRunsTest::unreachable);
    jobs.add(OperationRunsTest::unreachable);
    jobs.add(progress -> "done");
    advance(resource);
    awaitStage(resource, Stage.FINISHED);

    assertThat(advance(resource)).as("FINISHED → BACKING_OFF").isEqualTo(FIRST_BACKOFF);
    assertThat(runs.stage(resource)).isEqualTo(Stage.BACKING_OFF);
    assertThat(message(resource)).isEqualTo("unreachable; retrying in 5s");
    assertThat(warnings("RetryScheduled")).containsExactly("unreachable; retrying in 5s");

    clock.advance(Duration.ofSeconds(4));
    assertThat(advance(resource)).as("still backing off").isEqualTo(Duration.ofSeconds(1));
    assertThat(started).isEqualTo(1);

    clock.advance(Duration.ofSeconds(1));
    assertThat(advance(resource))
        .as("BACKING_OFF → RUNNING")
        .isEqualTo(OperationRuns.WHILE_RUNNING);
    assertThat(started).isEqualTo(2);
    awaitStage(resource, Stage.FINISHED);
    assertThat(advance(resource))
        .as("a second failure waits twice as long")
        .isEqualTo(FIRST_BACKOFF.multipliedBy(2));

    clock.advance(FIRST_BACKOFF.multipliedBy(2));
    advance(resource);
    awaitStage(resource, Stage.FINISHED);
    advance(resource);
    advance(resource);
    assertThat(runs.stage(resource)).as("published: the retry state is gone").isEqualTo(Stage.IDLE);
    assertThat(message(resource)).isEqualTo("done: done");
    assertThat(started).isEqualTo(3);
    assertThat(runs.remembered()).isZero();
  }

  @Test
  void aNewRequestDuringTheBackoffStartsAtOnce() {
    DatabaseMigration resource = resource("uid-1", 1);
    failOnceTransiently(resource);
    jobs.add(progress -> "done");

    resource.getMetadata().setGeneration(2L);
    assertThat(advance(resource))
        .as("BACKING_OFF → RUNNING for another run")
        .isEqualTo(OperationRuns.WHILE_RUNNING);
    assertThat(message(resource)).isEqualTo("started run-2");
  }

  @Test
  void aResourceCreatedAgainUnderTheSameNameSeesNoneOfTheOldOnesJobOrRetry() {
    DatabaseMigration old = resource("uid-1", 1);
    failOnceTransiently(old);
    jobs.add(progress -> "new result");

    DatabaseMigration created = resource("uid-2", 1);
    assertThat(runs.stage(created)).isEqualTo(Stage.IDLE);
    assertThat(advance(created)).as("no backoff inherited").isEqualTo(OperationRuns.WHILE_RUNNING);
    awaitStage(created, Stage.FINISHED);
    advance(created);
    assertThat(message(created)).isEqualTo("done: new result");

    runs.forgetDeleted(cacheOf(created));
    assertThat(runs.stage(old)).isEqualTo(Stage.IDLE);
    assertThat(runs.remembered()).as("only the live resource").isEqualTo(1);
  }

  @Test
  void whatADeletedResourceLeftIsDroppedOnceItsJobHasEnded() {
    DatabaseMigration resource = resource("uid-1", 1);
    jobs.add(progress -> release.join());
    advance(resource);

    runs.forgetDeleted(cacheOf());
    assertThat(runs.stage(resource)).as("a running job is kept").isEqualTo(Stage.RUNNING);
    assertThat(runs.remembered()).isEqualTo(1);

    release.complete("done");
    awaitStage(resource, Stage.FINISHED);
    runs.forgetDeleted(cacheOf());
    assertThat(runs.stage(resource)).isEqualTo(Stage.IDLE);
    assertThat(work.find(key(resource))).isEmpty();
    assertThat(runs.remembered()).isZero();
    assertThat(publications).as("never published").isEmpty();
  }

  @Test
  void onceTheOperatorIsStoppingAReconcileOrADeletionDoesNothing() {
    DatabaseMigration resource = resource("uid-1", 1);
    jobs.add(progress -> "done");
    assertThat(gate.close(Duration.ZERO)).isTrue();

    UpdateControl<DatabaseMigration> control = runs.reconcile(resource, untouchable());
    assertThat(control.isNoUpdate()).isTrue();
    assertThat(control.getScheduleDelay()).as("the next operator reconciles it").isEmpty();
    assertThat(runs.cleanup(resource, untouchable()).isRemoveFinalizer())
        .as("the finalizer stays for the next operator")
        .isFalse();
    assertThat(resource.getStatus()).isNull();
    assertThat(started).isZero();
    assertThat(kube.client().v1().events().inNamespace("default").list().getItems()).isEmpty();
  }

  @Test
  void aReconcileOrADeletionThatFailsLeavesTheGate() {
    DatabaseMigration resource = resource("uid-1", 1);
    jobs.add(progress -> "done");
    advance(resource);
    awaitStage(resource, Stage.FINISHED);
    kind.failing = true;

    assertThatThrownBy(() -> runs.reconcile(resource, untouchable()))
        .hasMessageContaining("used its context");
    assertThatThrownBy(() -> runs.cleanup(resource, untouchable())).hasMessage("failing");
    assertThat(gate.close(Duration.ZERO)).as("none left running").isTrue();
  }

  /** A context any use of which fails: a reconcile that does nothing does not touch it. */
  @SuppressWarnings("unchecked")
  private static Context<DatabaseMigration> untouchable() {
    return (Context<DatabaseMigration>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                  case "equals" -> proxy == args[0];
                  case "hashCode" -> System.identityHashCode(proxy);
                  default -> "untouchable context";
                };
              }
              throw new AssertionError("the reconcile used its context: " + method.getName());
            });
  }

  /** Runs a job that fails for a reason that may pass, and publishes that: BACKING_OFF. */
  private void failOnceTransiently(DatabaseMigration resource) {
    jobs.add(OperationRunsTest::unreachable);
    advance(resource);
    awaitStage(resource, Stage.FINISHED);
    advance(resource);
    assertThat(runs.stage(resource)).isEqualTo(Stage.BACKING_OFF);
  }

  private Duration advance(DatabaseMigration resource) {
    return runs.advance(resource, null);
  }

  private void awaitStage(DatabaseMigration resource, Stage stage) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> runs.stage(resource) == stage);
  }

  private List<String> warnings(String reason) {
    return kube.client().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .map(Event::getMessage)
        .toList();
  }

  private static String unreachable(Consumer<Integer> progress) {
    throw new Unreachable();
  }

  private static DatabaseMigration resource(String uid, long generation) {
    DatabaseMigration resource = new DatabaseMigration();
    resource.setMetadata(
        new ObjectMetaBuilder()
            .withName("app")
            .withNamespace("default")
            .withUid(uid)
            .withGeneration(generation)
            .build());
    return resource;
  }

  private static String message(DatabaseMigration resource) {
    return resource.getStatus().message;
  }

  private static BackgroundWork.Key key(DatabaseMigration resource) {
    return BackgroundWork.Key.of("Test", resource);
  }

  private static Function<ResourceID, Optional<DatabaseMigration>> cacheOf(
      DatabaseMigration... live) {
    Map<ResourceID, DatabaseMigration> byId = new java.util.HashMap<>();
    for (DatabaseMigration r : live) {
      byId.put(ResourceID.fromResource(r), r);
    }
    return id -> Optional.ofNullable(byId.get(id));
  }

  /** The database could not be reached: a failure that may pass. */
  private static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /**
   * A kind whose runs are "run-{generation}", whose jobs are the test's, and whose status says what
   * happened in {@code message}.
   */
  private final class ScriptedKind
      implements Operation<DatabaseMigration, String, String, Integer, String> {
    boolean failing;

    @Override
    public OperationRuns<DatabaseMigration, String, String, Integer, String> runs() {
      return runs;
    }

    @Override
    public String prepare(OperationPass<DatabaseMigration, String> pass) throws SpecException {
      if (failing) {
        throw new IllegalStateException("failing");
      }
      return "run-" + pass.generation();
    }

    @Override
    public Duration observe(
        OperationPass<DatabaseMigration, String> pass, BackgroundWork.Job<Integer, String> job) {
      job.progress().ifPresent(p -> pass.resource().getStatus().message = "running: " + p);
      return OperationRuns.WHILE_RUNNING;
    }

    @Override
    public boolean publish(
        OperationPass<DatabaseMigration, String> pass,
        BackgroundWork.Job<Integer, String> job,
        String run) {
      DatabaseMigrationStatus status = pass.resource().getStatus();
      String result;
      try {
        result = job.result();
      } catch (Unreachable e) {
        status.message = "unreachable; retrying in " + pass.retryLater().toSeconds() + "s";
        return false;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      if (status.message.equals("done: " + result)) {
        return false;
      }
      publications.add(pass.firstPublication());
      status.message = "done: " + result;
      return keepUntilSeen;
    }

    @Override
    public void refused(OperationPass<DatabaseMigration, String> pass, SpecException e) {
      pass.resource().getStatus().message = "refused: " + e.getMessage();
    }

    @Override
    public Due<String> decide(OperationPass<DatabaseMigration, String> pass, String run) {
      String message = pass.resource().getStatus().message;
      if (message != null && message.startsWith("done")) {
        return Due.nothing(null);
      }
      return Due.run(run, run, false, within -> within);
    }

    @Override
    public void waitingForWindow(OperationPass<DatabaseMigration, String> pass, String waitingFor) {
      throw new AssertionError("no run of this kind is gated");
    }

    @Override
    public Launch<Integer, String> launch(
        OperationPass<DatabaseMigration, String> pass, String request, String run) {
      Function<Consumer<Integer>, String> job = jobs.remove();
      return new Launch<>(
          job,
          () -> {
            started++;
            pass.resource().getStatus().message = "started " + run;
          },
          () -> {});
    }
  }

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    private Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
