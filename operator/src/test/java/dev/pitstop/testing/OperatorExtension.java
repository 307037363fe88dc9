package dev.pitstop.testing;

import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.ManagedInformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the real Pitstop operator (JOSDK) against a fresh in-process Kubernetes API in CRUD mode,
 * with the committed CRDs registered, for each test. Status patches use JSON patch because the mock
 * API server rejects server-side apply.
 *
 * <p>Registered on a static field, one API server and operator serve all tests of the class instead
 * (starting them costs a few hundred milliseconds): the tests must then keep their objects apart,
 * e.g. each in a namespace of its own.
 *
 * <h2>Time</h2>
 *
 * By default the operator reads the system clock. {@link #withClock} starts it with a {@link
 * TestClock} instead, which stands still until the test moves it: a schedule fires, a window opens
 * or closes, a retry's back-off is over when the test says so, and a test never waits for a real
 * minute boundary.
 *
 * <p>The reconcilers come back to a resource after a delay computed from the clock (JOSDK's {@code
 * rescheduleAfter}, which waits in real time): a fire time one minute ahead of the test clock is
 * looked at again one real minute later, whatever the clock does meanwhile. So every time the test
 * clock moves, the extension makes each controller reconcile each resource in its cache at once
 * ({@link #reconcileAll}), the way the rescheduled look would have: it hands JOSDK's event
 * processing the same event its reschedule timer does. Nothing is written to the resources for
 * this, so {@code RunTriggerFilter}, resource versions and the operator's behaviour are those of
 * production; a reconcile already under way is followed by one more that reads the new time. (A
 * no-op edit that {@code RunTriggerFilter} lets through would add writes and events of its own to
 * every scenario; a setting that caps the reschedule delays would change the operator under test.)
 * A test moves the clock, then waits (Awaitility) for what the operator should have done by then.
 *
 * <h2>Informer caches</h2>
 *
 * The operator reads referenced objects (Secrets, ConfigMaps, MaintenanceWindows) from informer
 * caches, which learn of a new object a little after the API server stored it. A test whose
 * scenario needs the operator to already know an object waits for it with {@link #awaitObserved}.
 */
public final class OperatorExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  private static final Duration OBSERVED_WITHIN = Duration.ofSeconds(30);

  private EmbeddedKubernetesApi api;
  private volatile PitstopOperator operator;
  private OperatorSettings settings = OperatorSettings.defaults().withUseSsa(false).withHttpPort(0);
  private TestClock testClock;
  private boolean perClass;

  /** Uses other settings (SSA is always off against the mock API server). */
  public OperatorExtension withSettings(OperatorSettings custom) {
    this.settings = custom.withUseSsa(false);
    return this;
  }

  /**
   * Starts the operator (and every restart of it) with {@code clock}; each time the clock moves,
   * every resource is reconciled at once (see the class comment).
   */
  public OperatorExtension withClock(TestClock clock) {
    this.testClock = clock;
    clock.onChange(time -> reconcileAll());
    return this;
  }

  /** The test clock the operator runs with; fails if it runs with the system clock. */
  public TestClock clock() {
    if (testClock == null) {
      throw new IllegalStateException("the operator runs with the system clock: use withClock");
    }
    return testClock;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // Only called when registered on a static field.
    perClass = true;
    startApiAndOperator();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      startApiAndOperator();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stopApiAndOperator();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stopApiAndOperator();
  }

  private void startApiAndOperator() {
    LogCapture.claimThreads();
    api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
    operator = start();
  }

  private PitstopOperator start() {
    Clock clock = testClock == null ? Clock.systemUTC() : testClock;
    return PitstopOperator.start(api.client(), settings, false, clock);
  }

  private void stopApiAndOperator() {
    try {
      stopOperator();
    } finally {
      if (api != null) {
        api.close();
        api = null;
      }
    }
  }

  /** Stops the operator (as a crash or a rollout would), keeping the API server's state. */
  public void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  /**
   * Stops the operator as a crash would leave things: reconciling stops before running work ends,
   * so what that work did is reported only by the next operator.
   */
  public void crashOperator() {
    if (operator != null) {
      operator.halt();
      operator = null;
    }
  }

  /** Starts a new operator against the same API server. */
  public void restartOperator() {
    stopOperator();
    operator = start();
  }

  public KubernetesClient client() {
    return api.client();
  }

  public PitstopOperator operator() {
    return operator;
  }

  /**
   * Makes every controller reconcile every resource of its cache now, as when the delay its last
   * reconcile asked for is over. Nothing happens while the operator is stopped.
   */
  public void reconcileAll() {
    PitstopOperator running = operator;
    if (running == null) {
      return;
    }
    for (Controller<?> controller : controllers(running)) {
      controller
          .getEventSourceManager()
          .getControllerEventSource()
          .keys()
          .forEach(
              id ->
                  controller
                      .getEventProcessor()
                      .handleEvent(new io.javaoperatorsdk.operator.processing.event.Event(id)));
    }
  }

  /**
   * Waits until every informer of the operator that watches {@code object}'s kind (e.g. each kind's
   * Secret informer) has it, at its resource version or a later one: from then on a reconcile that
   * looks it up finds it.
   *
   * @throws IllegalArgumentException if no informer of the running operator watches that kind
   */
  public void awaitObserved(HasMetadata object) {
    List<ManagedInformerEventSource<?, ?, ?>> informers = informersOf(object.getClass());
    if (informers.isEmpty()) {
      throw new IllegalArgumentException("the operator watches no " + object.getKind());
    }
    ResourceID id = ResourceID.fromResource(object);
    String version = object.getMetadata().getResourceVersion();
    Awaitility.await("the operator's informers to see " + object.getKind() + " " + id)
        .atMost(OBSERVED_WITHIN)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                informers.stream()
                    .allMatch(
                        informer ->
                            informer
                                .get(id)
                                .map(cached -> atLeast(cached.getMetadata(), version))
                                .orElse(false)));
  }

  /**
   * Waits until no informer of the operator that watches {@code object}'s kind has it any more:
   * from then on a reconcile that looks it up does not find it.
   */
  public void awaitGone(HasMetadata object) {
    List<ManagedInformerEventSource<?, ?, ?>> informers = informersOf(object.getClass());
    ResourceID id = ResourceID.fromResource(object);
    Awaitility.await("the operator's informers to drop " + object.getKind() + " " + id)
        .atMost(OBSERVED_WITHIN)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> informers.stream().allMatch(informer -> informer.get(id).isEmpty()));
  }

  /**
   * Whether every informer of the operator that watches {@code object}'s kind has it now (at any
   * version): whether a reconcile that looks it up would find it.
   */
  public boolean observes(HasMetadata object) {
    ResourceID id = ResourceID.fromResource(object);
    List<ManagedInformerEventSource<?, ?, ?>> informers = informersOf(object.getClass());
    return !informers.isEmpty() && informers.stream().allMatch(i -> i.get(id).isPresent());
  }

  /** Creates {@code object} and waits until the operator's informers have it. */
  public <T extends HasMetadata> T createObserved(T object) {
    T created = client().resource(object).create();
    awaitObserved(created);
    return created;
  }

  private List<ManagedInformerEventSource<?, ?, ?>> informersOf(Class<?> kind) {
    List<ManagedInformerEventSource<?, ?, ?>> informers = new ArrayList<>();
    PitstopOperator running = operator;
    if (running == null) {
      throw new IllegalStateException("the operator is stopped");
    }
    for (Controller<?> controller : controllers(running)) {
      for (EventSource<?, ?> source : controller.getEventSourceManager().getEventSourcesFor(kind)) {
        if (source instanceof ManagedInformerEventSource<?, ?, ?> informer) {
          informers.add(informer);
        }
      }
    }
    return informers;
  }

  private static boolean atLeast(
      io.fabric8.kubernetes.api.model.ObjectMeta cached, String version) {
    if (version == null || version.equals(cached.getResourceVersion())) {
      return true;
    }
    try {
      // The in-process API server counts versions up from 1.
      return Long.parseLong(cached.getResourceVersion()) >= Long.parseLong(version);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @SuppressWarnings("rawtypes")
  private static List<Controller<?>> controllers(PitstopOperator running) {
    List<Controller<?>> controllers = new ArrayList<>();
    for (RegisteredController registered : running.controllers()) {
      controllers.add((Controller<?>) registered);
    }
    return controllers;
  }

  /** Events recorded for {@code object}. */
  public List<Event> eventsFor(HasMetadata object) {
    return client()
        .v1()
        .events()
        .inNamespace(object.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .filter(e -> object.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .filter(e -> object.getKind().equals(e.getInvolvedObject().getKind()))
        .toList();
  }
}
