package dev.pitstop.demo;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.ExpectedPhase;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.cli.Args;
import dev.pitstop.cli.Command;
import dev.pitstop.cli.UsageException;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.InvalidConnectionSettingsException;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import dev.pitstop.reconciler.model.SecretKeys;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code pitstop demo}: an embedded PostgreSQL, an embedded Kubernetes API and the real operator
 * in-process; applies {@code examples/} wave by wave ({@link SyncWaves}), shows live progress and
 * ends the on-demand MaintenanceWindows the examples opened (so the application is restored) and
 * exits 0 once every resource has reached its expected phase, then prints what each SandboxReset
 * did and the workloads' state. With {@code --keep-running} it then writes a kubeconfig for the
 * embedded API and keeps running for kubectl until SIGTERM or Ctrl-C.
 */
public final class DemoCommand implements Command {
  private static final Set<String> PITSTOP_KINDS =
      Set.of("DatabaseMigration", "MaintenanceWindow", "SandboxReset", "CleanupSchedule");
  private static final String DEMO_PASSWORD = "pitstop-demo";

  @Override
  public String summary() {
    return "run the operator against an embedded PostgreSQL and Kubernetes API with examples/";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err, Map<String, String> env)
      throws Exception {
    Args args =
        Args.parse(
            argv, Set.of("examples", "timeout", "kubeconfig"), Set.of("plain", "keep-running"));
    Duration timeout = parseTimeout(args.value("timeout").orElse("3m"));
    Path examples = args.value("examples").map(Path::of).orElse(null);
    boolean keepRunning = args.flag("keep-running");
    Path kubeconfig = args.value("kubeconfig").map(Path::of).orElse(null);
    if (kubeconfig != null && !keepRunning) {
      throw new UsageException("--kubeconfig needs --keep-running");
    }
    boolean terminal = System.console() != null && !args.flag("plain");

    out.println("Pitstop demo: starting an embedded PostgreSQL and Kubernetes API...");
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    // Counted down once everything is closed; a shutdown hook (--keep-running) waits for it.
    CountDownLatch stopped = new CountDownLatch(1);
    try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start();
        EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithPackagedCrds()) {
      KubernetesClient client = api.client();
      OperatorSettings settings =
          OperatorSettings.parse(List.of(), Map.of()).withUseSsa(false).withHttpPort(0);
      try (PitstopOperator operator = PitstopOperator.start(client, settings)) {
        out.printf(
            "PostgreSQL on 127.0.0.1:%d, operator metrics on http://127.0.0.1:%d/metrics%n",
            postgres.port(), operator.httpPort());
        List<ExampleManifests.ManifestFile> files = ExampleManifests.load(client, examples);
        StatusTable table = new StatusTable(out, terminal);
        List<HasMetadata> resources = new ArrayList<>();
        List<HasMetadata> workloads = new ArrayList<>();
        Integer previous = null;
        for (int wave : SyncWaves.of(files)) {
          if (previous != null && !resources.isEmpty()) {
            out.printf(
                "sync wave %d waits until sync wave %d is done (annotation %s)%n",
                wave, previous, SyncWaves.ANNOTATION);
            Watched earlier = watch(client, resources, started, deadline, table, err);
            if (earlier.code() != OK) {
              return earlier.code();
            }
            table.startBelow();
          }
          resources.addAll(apply(client, postgres, files, wave, workloads, out));
          previous = wave;
        }
        if (resources.isEmpty()) {
          err.println("pitstop demo: no Pitstop resources found in the examples");
          return FAILED;
        }
        Watched all = watch(client, resources, started, deadline, table, err);
        if (all.code() != OK) {
          return all.code();
        }
        List<HasMetadata> active = endOnDemandWindows(client, all.resources(), out);
        if (!active.isEmpty()) {
          table.startBelow();
          all = watch(client, resources, started, deadline, table, err);
          if (all.code() != OK) {
            return all.code();
          }
        }
        out.printf("All %d resources reached their expected phase.%n", resources.size());
        for (HasMetadata resource : all.resources()) {
          if (resource instanceof SandboxReset reset) {
            ResetSummary.lines(reset).forEach(out::println);
          }
        }
        for (HasMetadata workload : workloads) {
          out.println(Workloads.describe(client, workload));
        }
        if (keepRunning) {
          return keepRunning(api, postgres, kubeconfig, stopped, out);
        }
        return OK;
      }
    } finally {
      stopped.countDown();
    }
  }

  /**
   * Ends each on-demand MaintenanceWindow the examples left active ({@code active: false}), as
   * whoever opened it would once the release is done: the window restores what it drained and
   * becomes Idle.
   */
  private static List<HasMetadata> endOnDemandWindows(
      KubernetesClient client, List<HasMetadata> resources, PrintStream out) {
    List<HasMetadata> ended = new ArrayList<>();
    for (HasMetadata resource : resources) {
      if (resource instanceof MaintenanceWindow window
          && Boolean.TRUE.equals(window.getSpec().active)
          && window.getSpec().schedule == null) {
        client
            .resources(MaintenanceWindow.class)
            .inNamespace(window.getMetadata().getNamespace())
            .withName(window.getMetadata().getName())
            // A merge patch, as kubectl patch sends: no resourceVersion, so the operator's status
            // writes meanwhile do not make it conflict.
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"active\":false}}");
        out.printf(
            "MaintenanceWindow %s is done: set active: false, so it restores what it drained%n",
            window.getMetadata().getName());
        ended.add(window);
      }
    }
    return ended;
  }

  /**
   * Writes a kubeconfig for the embedded API server, says how to use it and waits for SIGTERM or
   * Ctrl-C; then everything is closed in order by the caller.
   */
  private static int keepRunning(
      EmbeddedKubernetesApi api,
      EmbeddedPostgresServer postgres,
      Path kubeconfig,
      CountDownLatch stopped,
      PrintStream out)
      throws IOException, InterruptedException {
    Path file =
        kubeconfig != null
            ? kubeconfig.toAbsolutePath()
            : Files.createTempDirectory("pitstop-demo-").resolve("kubeconfig");
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, api.kubeconfig("pitstop-demo", "default"));
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                stopped.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "pitstop-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("Kubernetes API on %s (kubeconfig %s)%n", api.url(), file);
    out.printf(
        "PostgreSQL on 127.0.0.1:%d, user %s, password %s%n",
        postgres.port(), EmbeddedPostgresServer.SUPERUSER, DEMO_PASSWORD);
    out.println("The operator keeps running; drive it with kubectl in another shell:");
    out.println();
    out.println("  export KUBECONFIG=" + file);
    out.println("  kubectl get pitstop");
    out.println();
    out.println("Press Ctrl-C to stop.");
    out.flush();
    stop.await();
    out.println("pitstop demo: stopping");
    return OK;
  }

  /** Applies the objects of one sync wave, file by file in path order. */
  private static List<HasMetadata> apply(
      KubernetesClient client,
      EmbeddedPostgresServer postgres,
      List<ExampleManifests.ManifestFile> files,
      int wave,
      List<HasMetadata> workloads,
      PrintStream out)
      throws Exception {
    List<HasMetadata> pitstop = new ArrayList<>();
    for (ExampleManifests.ManifestFile file : files) {
      boolean applied = false;
      for (HasMetadata object : file.objects()) {
        if (SyncWaves.of(file, object) != wave) {
          continue;
        }
        String namespace =
            object.getMetadata().getNamespace() == null
                ? "default"
                : object.getMetadata().getNamespace();
        object.getMetadata().setNamespace(namespace);
        if (object instanceof Secret secret && isDatabaseSecret(secret)) {
          object = pointAtEmbeddedDatabase(secret, postgres);
        }
        client.resource(object).inNamespace(namespace).createOr(r -> r.update());
        if (PITSTOP_KINDS.contains(object.getKind())) {
          pitstop.add(object);
        } else if (Workloads.KINDS.contains(object.getKind())) {
          workloads.add(object);
        }
        applied = true;
      }
      if (applied) {
        out.println("applied " + file.name() + (wave == 0 ? "" : " (sync wave " + wave + ")"));
      }
    }
    return pitstop;
  }

  private static boolean isDatabaseSecret(Secret secret) {
    Map<String, String> keys = SecretKeys.of(secret);
    return keys.containsKey("uri") || keys.containsKey("jdbc-uri") || keys.containsKey("host");
  }

  /** Rewrites a database Secret to point at the embedded server, creating its database. */
  private static Secret pointAtEmbeddedDatabase(Secret secret, EmbeddedPostgresServer postgres)
      throws SQLException {
    String database;
    try {
      database =
          ConnectionSettings.fromSecret(secret.getMetadata().getName(), SecretKeys.of(secret), null)
              .databaseName();
    } catch (InvalidConnectionSettingsException e) {
      database = "app";
    }
    createDatabase(postgres, database);
    Map<String, String> data = new HashMap<>();
    data.put("host", "127.0.0.1");
    data.put("port", String.valueOf(postgres.port()));
    data.put("dbname", database);
    data.put("username", EmbeddedPostgresServer.SUPERUSER);
    data.put("password", DEMO_PASSWORD);
    return new SecretBuilder(secret).withData(null).withStringData(data).build();
  }

  private static void createDatabase(EmbeddedPostgresServer postgres, String database)
      throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                postgres.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, DEMO_PASSWORD);
        PreparedStatement exists =
            c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, database);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (var create = c.createStatement()) {
        create.execute("CREATE DATABASE " + dev.pitstop.sql.SqlIdentifiers.quote(database));
      }
    }
  }

  /** How watching ended: {@link #OK} with the resources as last read, or {@link #FAILED}. */
  private record Watched(int code, List<HasMetadata> resources) {}

  /** Shows the resources until each has reached its expected phase, one failed, or time is up. */
  private static Watched watch(
      KubernetesClient client,
      List<HasMetadata> resources,
      long started,
      long deadline,
      StatusTable table,
      PrintStream err)
      throws InterruptedException {
    while (true) {
      List<HasMetadata> current = new ArrayList<>();
      List<StatusTable.Row> rows = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      List<String> pending = new ArrayList<>();
      for (HasMetadata resource : resources) {
        HasMetadata latest = fetch(client, resource);
        current.add(latest);
        StatusTable.Row row = StatusTable.rowOf(latest);
        rows.add(row);
        Set<String> expected = ExpectedPhase.of(latest);
        if (expected.contains(row.phase())) {
          continue;
        }
        if ("Failed".equals(row.phase())) {
          failed.add(row.key() + ": " + row.message());
        } else {
          pending.add(
              row.key()
                  + " is "
                  + row.phase()
                  + " (expected "
                  + String.join(" or ", expected)
                  + ")");
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      int done = resources.size() - failed.size() - pending.size();
      table.show(
          rows,
          String.format("%d of %d resources done after %.1fs", done, resources.size(), seconds));
      if (!failed.isEmpty()) {
        err.println("pitstop demo: " + String.join("; ", failed));
        return new Watched(FAILED, current);
      }
      if (pending.isEmpty()) {
        return new Watched(OK, current);
      }
      if (System.nanoTime() > deadline) {
        err.println("pitstop demo: timed out: " + String.join("; ", pending));
        return new Watched(FAILED, current);
      }
      Thread.sleep(250);
    }
  }

  private static HasMetadata fetch(KubernetesClient client, HasMetadata resource) {
    Class<? extends HasMetadata> type =
        switch (resource.getKind()) {
          case "DatabaseMigration" -> DatabaseMigration.class;
          case "MaintenanceWindow" -> MaintenanceWindow.class;
          case "SandboxReset" -> SandboxReset.class;
          default -> CleanupSchedule.class;
        };
    HasMetadata current =
        client
            .resources(type)
            .inNamespace(resource.getMetadata().getNamespace())
            .withName(resource.getMetadata().getName())
            .get();
    return current == null ? resource : current;
  }

  private static Duration parseTimeout(String text) {
    try {
      return Durations.parse(text, "--timeout");
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
