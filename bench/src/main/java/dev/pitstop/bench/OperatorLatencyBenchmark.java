package dev.pitstop.bench;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * How much the operator adds on top of the engine: time from creating a DatabaseMigration of 50
 * migrations on the in-process API server until its status says Succeeded, minus the time the
 * engine alone needs for the same 50 migrations on an equally fresh database (measured in the same
 * run, interleaved).
 */
public final class OperatorLatencyBenchmark {
  private static final int MIGRATIONS = 50;

  private OperatorLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Map<String, String> files = migrations();
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
        EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithPackagedCrds();
        PitstopOperator operator =
            PitstopOperator.start(
                api.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0))) {
      List<Long> endToEnd = new ArrayList<>();
      List<Long> engine = new ArrayList<>();
      for (int i = -1; i < repetitions; i++) {
        long e2e = throughOperator(api.client(), pg, files, "run" + (i + 1));
        long alone = engineAlone(pg, files, "alone" + (i + 1));
        if (i >= 0) {
          endToEnd.add(e2e);
          engine.add(alone);
        }
      }
      long e2eMedian = median(endToEnd);
      long engineMedian = median(engine);
      long overhead = median(pairwiseDifferences(endToEnd, engine));
      System.out.printf(
          "%nDatabaseMigration through the operator, %d migrations, %d repetitions%n",
          MIGRATIONS, repetitions);
      System.out.printf("  CR created -> Succeeded (median): %d ms%n", e2eMedian);
      System.out.printf("  engine alone (median):            %d ms%n", engineMedian);
      System.out.printf(
          "  operator overhead (median of pairwise differences): %d ms (target < 1000 ms)%n",
          overhead);
      System.out.printf("  ratio end-to-end / engine: %.2f%n", (double) e2eMedian / engineMedian);
    }
  }

  private static long throughOperator(
      KubernetesClient client, EmbeddedPostgresServer pg, Map<String, String> files, String name)
      throws Exception {
    createDatabase(pg, name);
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .endMetadata()
                .withStringData(
                    Map.of(
                        "host",
                        "127.0.0.1",
                        "port",
                        String.valueOf(pg.port()),
                        "dbname",
                        name,
                        "username",
                        EmbeddedPostgresServer.SUPERUSER,
                        "password",
                        "bench"))
                .build())
        .create();
    client
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .endMetadata()
                .withData(files)
                .build())
        .create();
    DatabaseMigration dbm = new DatabaseMigration();
    dbm.getMetadata().setName(name);
    dbm.getMetadata().setNamespace("default");
    DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
    spec.database = new DatabaseRef(name);
    spec.source = new ScriptSource();
    spec.source.configMapRefs.add(new LocalObjectRef(name));
    dbm.setSpec(spec);

    long start = System.nanoTime();
    client.resource(dbm).create();
    while (true) {
      DatabaseMigration current =
          client.resources(DatabaseMigration.class).inNamespace("default").withName(name).get();
      if (current.getStatus() != null && current.getStatus().phase == MigrationPhase.Succeeded) {
        return (System.nanoTime() - start) / 1_000_000;
      }
      if (current.getStatus() != null && current.getStatus().phase == MigrationPhase.Failed) {
        throw new IllegalStateException(current.getStatus().message);
      }
      Thread.sleep(5);
    }
  }

  private static long engineAlone(EmbeddedPostgresServer pg, Map<String, String> files, String name)
      throws Exception {
    createDatabase(pg, name);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(pg.jdbcUrl(name));
    ds.setUser(EmbeddedPostgresServer.SUPERUSER);
    List<MigrationScript> scripts = new ArrayList<>();
    files.forEach((k, v) -> scripts.add(new MigrationScript(k, v)));
    long start = System.nanoTime();
    new MigrationEngine(ds).migrate(MigrationRequest.builder(scripts).build());
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void createDatabase(EmbeddedPostgresServer pg, String name) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                pg.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + dev.pitstop.sql.SqlIdentifiers.quote(name));
    }
  }

  private static Map<String, String> migrations() {
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 1; i <= MIGRATIONS; i++) {
      files.put(
          "V" + i + "__table_" + i + ".sql",
          "CREATE TABLE t"
              + i
              + " (id bigserial PRIMARY KEY, v text);\n"
              + "CREATE INDEX t"
              + i
              + "_v ON t"
              + i
              + " (v);\n"
              + "INSERT INTO t"
              + i
              + " (v) VALUES ('a'), ('b'), ('c');\n");
    }
    return files;
  }

  private static List<Long> pairwiseDifferences(List<Long> a, List<Long> b) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(a.get(i) - b.get(i));
    }
    return out;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    return sorted.get(sorted.size() / 2);
  }
}
