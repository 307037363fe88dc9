package dev.pitstop.bench;

import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.reset.DeletionStrategy;
import dev.pitstop.reset.ResetEngine;
import dev.pitstop.reset.ResetRequest;
import dev.pitstop.reset.TriggerMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Resets a schema of 100 tables joined by 180 foreign keys, 75 of them with a trigger (an audit
 * trigger on every DELETE, INSERT and UPDATE, or a last_updated trigger before UPDATE), holding
 * 1,010,000 rows, while 4 reader threads query it: strategy Truncate (the baseline), Delete by a
 * superuser with triggers disable and keep, and Delete by the tables' owner (not a superuser) with
 * triggers disable. Every run starts from a fresh copy of one loaded template database; only the
 * reset is timed. Prints, per method, the median reset time, reader errors, the longest reader
 * stall and the audit rows the reset wrote, with each Delete's ratio to Truncate.
 */
public final class ResetTriggersBenchmark {
  private static final int READERS = 4;
  private static final Duration SETTLE = Duration.ofMillis(500);
  private static final String TEMPLATE = "triggers_template";
  private static final String OWNER = "bench_owner";
  private static final String OWNER_PASSWORD = "bench-owner-pw";
  private static final int ROOTS = 10;
  private static final int MIDDLE = 30;
  private static final int LEAVES = 60;
  private static final int ROOT_ROWS = 5_000;
  private static final int MIDDLE_ROWS = 15_000;
  private static final int LEAF_ROWS = 8_500;
  private static final String[][] READS = {
    {"SELECT * FROM t000 WHERE id = ?", "5000"},
    {"SELECT * FROM t004 WHERE id = ?", "5000"},
    {"SELECT * FROM t010 WHERE id = ?", "15000"},
    {"SELECT * FROM t025 WHERE id = ?", "15000"},
    {"SELECT * FROM t040 WHERE id = ?", "8500"},
    {"SELECT * FROM t077 WHERE id = ?", "8500"},
  };

  private final EmbeddedPostgresServer server;
  private int databases;

  private ResetTriggersBenchmark(EmbeddedPostgresServer server) {
    this.server = server;
  }

  /** One measured run. */
  record Run(long millis, long errors, long stallMillis, long auditRows, List<String> samples) {}

  /** A way to reset: who connects, and the request. */
  record Method(boolean owner, DeletionStrategy strategy, TriggerMode triggers) {}

  /** Arguments: repetitions, warm-up rounds, results directory. */
  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Path results = Path.of(args.length > 2 ? args[2] : "bench/results");
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      ResetTriggersBenchmark bench = new ResetTriggersBenchmark(server);
      long loadStart = System.nanoTime();
      bench.template();
      System.out.printf("template loaded in %d ms%n", (System.nanoTime() - loadStart) / 1_000_000);
      Map<String, Method> methods = new LinkedHashMap<>();
      methods.put("truncate", new Method(false, DeletionStrategy.TRUNCATE, TriggerMode.KEEP));
      methods.put(
          "delete-superuser-disable",
          new Method(false, DeletionStrategy.DELETE, TriggerMode.DISABLE));
      methods.put(
          "delete-superuser-keep", new Method(false, DeletionStrategy.DELETE, TriggerMode.KEEP));
      methods.put(
          "delete-owner-disable", new Method(true, DeletionStrategy.DELETE, TriggerMode.DISABLE));
      for (int i = 0; i < warmups; i++) {
        for (Map.Entry<String, Method> method : methods.entrySet()) {
          System.out.println(
              "warm-up " + method.getKey() + ": " + bench.measure(method.getValue()));
        }
      }
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (int i = 0; i < repetitions; i++) {
        for (Map.Entry<String, Method> method : methods.entrySet()) {
          Run run = bench.measure(method.getValue());
          System.out.println(method.getKey() + ": " + run);
          runs.computeIfAbsent(method.getKey(), k -> new ArrayList<>()).add(run);
        }
      }
      String report = report(repetitions, warmups, runs);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(
          results.resolve("reset-triggers-" + Instant.now().toEpochMilli() + ".txt"), report);
    }
  }

  /** The schema, loaded, owned by the owner role, with its triggers, vacuumed. */
  private void template() throws SQLException {
    admin("CREATE ROLE " + OWNER + " LOGIN PASSWORD '" + OWNER_PASSWORD + "'");
    admin("CREATE DATABASE " + TEMPLATE);
    try (Connection connection = dataSource(TEMPLATE, false).getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
              + " tbl text NOT NULL, op text NOT NULL, row_id bigint,"
              + " at timestamptz NOT NULL DEFAULT now())");
      statement.execute(
          "CREATE FUNCTION set_last_updated() RETURNS trigger LANGUAGE plpgsql AS"
              + " $$ BEGIN NEW.last_updated := now(); RETURN NEW; END $$");
      statement.execute(
          "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " INSERT INTO audit_log (tbl, op, row_id) VALUES (TG_TABLE_NAME, TG_OP,"
              + " CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END); RETURN NULL; END $$");
      for (int i = 0; i < ROOTS + MIDDLE + LEAVES; i++) {
        statement.execute(createTable(i));
      }
      for (int i = 0; i < ROOTS + MIDDLE + LEAVES; i++) {
        statement.execute(load(i));
      }
      for (int i = 0; i < ROOTS + MIDDLE + LEAVES; i++) {
        String trigger = trigger(i);
        if (trigger != null) {
          statement.execute(trigger);
        }
      }
      statement.execute(
          "INSERT INTO audit_log (tbl, op, row_id)"
              + " SELECT 't000', 'INSERT', g FROM generate_series(1, 1000) g");
      statement.execute(
          "DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables"
              + " WHERE schemaname = 'public' LOOP"
              + " EXECUTE format('ALTER TABLE %I OWNER TO "
              + OWNER
              + "', t.tablename); END LOOP; END $$");
      statement.execute("VACUUM ANALYZE");
    }
  }

  private static String name(int i) {
    return String.format("t%03d", i);
  }

  private static int rows(int i) {
    return i < ROOTS ? ROOT_ROWS : i < ROOTS + MIDDLE ? MIDDLE_ROWS : LEAF_ROWS;
  }

  /** The tables a table references: middle tables two roots, leaves one middle and one root. */
  private static int[] parents(int i) {
    if (i < ROOTS) {
      return new int[0];
    }
    if (i < ROOTS + MIDDLE) {
      return new int[] {i % ROOTS, (i + 3) % ROOTS};
    }
    return new int[] {ROOTS + i % MIDDLE, i % ROOTS};
  }

  private static String createTable(int i) {
    StringBuilder sql =
        new StringBuilder("CREATE TABLE ")
            .append(name(i))
            .append(" (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    int[] parents = parents(i);
    for (int p = 0; p < parents.length; p++) {
      sql.append(", ref").append(p).append(" bigint NOT NULL REFERENCES ").append(name(parents[p]));
    }
    sql.append(", payload text NOT NULL, last_updated timestamptz NOT NULL DEFAULT now());");
    for (int p = 0; p < parents.length; p++) {
      sql.append(" CREATE INDEX ON ").append(name(i)).append(" (ref").append(p).append(");");
    }
    return sql.toString();
  }

  private static String load(int i) {
    StringBuilder columns = new StringBuilder("id");
    StringBuilder values = new StringBuilder("g");
    int[] parents = parents(i);
    for (int p = 0; p < parents.length; p++) {
      columns.append(", ref").append(p);
      values.append(", 1 + (g * ").append(p + 7).append(") % ").append(rows(parents[p]));
    }
    return "INSERT INTO "
        + name(i)
        + " ("
        + columns
        + ", payload) OVERRIDING SYSTEM VALUE SELECT "
        + values
        + ", md5(g::text) FROM generate_series(1, "
        + rows(i)
        + ") g; SELECT setval(pg_get_serial_sequence('"
        + name(i)
        + "', 'id'), "
        + rows(i)
        + ")";
  }

  /** Every fourth table an audit trigger, two of four a last_updated trigger, one of four none. */
  private static String trigger(int i) {
    return switch (i % 4) {
      case 0 ->
          "CREATE TRIGGER "
              + name(i)
              + "_audit AFTER INSERT OR UPDATE OR DELETE ON "
              + name(i)
              + " FOR EACH ROW EXECUTE FUNCTION audit()";
      case 1, 2 ->
          "CREATE TRIGGER "
              + name(i)
              + "_last_updated BEFORE UPDATE ON "
              + name(i)
              + " FOR EACH ROW EXECUTE FUNCTION set_last_updated()";
      default -> null;
    };
  }

  /** Copies the template, starts the readers, times the reset, checks the tables. */
  private Run measure(Method method) throws Exception {
    String database = "triggers_bench_" + (++databases);
    admin("CHECKPOINT");
    admin("CREATE DATABASE " + database + " TEMPLATE " + TEMPLATE + " STRATEGY FILE_COPY");
    admin("CHECKPOINT"); // so no checkpoint of the copy lands inside the timed reset
    try {
      DataSource superuser = dataSource(database, false);
      long auditBefore = count(superuser, "SELECT count(*) FROM audit_log");
      ResetRequest request =
          ResetRequest.builder(database)
              .preserveTables(List.of("audit_log"))
              .strategy(method.strategy())
              .triggers(method.triggers())
              .lockTimeout(Duration.ofSeconds(30))
              .build();
      ResetEngine engine = new ResetEngine(dataSource(database, method.owner()));
      long millis;
      ReaderWorkload readers = new ReaderWorkload(superuser, READERS, READS);
      try {
        Thread.sleep(SETTLE.toMillis());
        long start = System.nanoTime();
        engine.reset(request);
        millis = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(SETTLE.toMillis());
      } finally {
        readers.close();
      }
      long left =
          count(
              superuser,
              "SELECT sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n"
                  + " FROM %I', tablename), false, true, '')))[1]::text::bigint)"
                  + " FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't%'");
      if (left != 0) {
        throw new IllegalStateException(left + " rows left in the emptied tables");
      }
      return new Run(
          millis,
          readers.errors(),
          readers.longestMillis(),
          count(superuser, "SELECT count(*) FROM audit_log") - auditBefore,
          readers.errorSamples());
    } finally {
      admin("DROP DATABASE " + database + " WITH (FORCE)");
    }
  }

  private static long count(DataSource dataSource, String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  private DataSource dataSource(String database, boolean owner) {
    PGSimpleDataSource dataSource = BenchDatabases.dataSource(server, database);
    if (owner) {
      dataSource.setUser(OWNER);
      dataSource.setPassword(OWNER_PASSWORD);
    }
    return dataSource;
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  private static String report(int repetitions, int warmups, Map<String, List<Run>> runs) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "SandboxReset with triggers: %d tables (75 with a trigger), 1,010,000 rows, %d reader"
                + " threads; %d warm-up round(s), %d repetitions, %d cores%n",
            ROOTS + MIDDLE + LEAVES,
            READERS,
            warmups,
            repetitions,
            Runtime.getRuntime().availableProcessors()));
    out.append(
        String.format(
            "  %-25s %10s %14s %14s %12s %s%n",
            "method", "median ms", "reader errors", "longest stall", "audit rows", "runs (ms)"));
    Map<String, Long> medians = new LinkedHashMap<>();
    for (Map.Entry<String, List<Run>> entry : runs.entrySet()) {
      List<Long> times = new ArrayList<>(entry.getValue().stream().map(Run::millis).toList());
      Collections.sort(times);
      long median = times.get(times.size() / 2);
      medians.put(entry.getKey(), median);
      out.append(
          String.format(
              "  %-25s %10d %14d %11d ms %12d %s%n",
              entry.getKey(),
              median,
              entry.getValue().stream().mapToLong(Run::errors).sum(),
              entry.getValue().stream().mapToLong(Run::stallMillis).max().orElse(0),
              entry.getValue().get(0).auditRows(),
              entry.getValue().stream().map(Run::millis).toList()));
    }
    double truncate = medians.get("truncate");
    out.append(
        String.format(
            "  delete-superuser-disable/truncate = %.2f (target <= 3.00)%n",
            medians.get("delete-superuser-disable") / truncate));
    out.append(
        String.format(
            "  delete-superuser-keep/truncate    = %.2f (audit triggers fire for every deleted"
                + " row)%n",
            medians.get("delete-superuser-keep") / truncate));
    out.append(
        String.format(
            "  delete-owner-disable/truncate     = %.2f (no replica mode: every foreign-key check"
                + " runs)%n",
            medians.get("delete-owner-disable") / truncate));
    return out.toString();
  }
}
