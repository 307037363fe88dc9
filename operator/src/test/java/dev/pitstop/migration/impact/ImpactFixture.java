package dev.pitstop.migration.impact;

import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingScript;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestPostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A target database with rows and a scratch database with the same schema and no rows, as a plan
 * would copy it; the scratch schema is recreated before each plan.
 */
final class ImpactFixture implements AutoCloseable {

  static final String SCHEMA =
      "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name varchar(10),"
          + " note text, CONSTRAINT customers_note_not_null CHECK (note IS NOT NULL));\n"
          + "CREATE TABLE orders (id bigint PRIMARY KEY,"
          + " customer_id bigint NOT NULL REFERENCES customers (id), amount integer NOT NULL,"
          + " status text, code varchar(10), created_at timestamptz NOT NULL DEFAULT now());\n"
          + "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
          + "CREATE INDEX orders_code_idx ON orders (code);\n"
          + "CREATE TABLE audit (id bigint PRIMARY KEY, message text);\n"
          + "CREATE TABLE legacy (id bigint PRIMARY KEY, payload text);\n"
          + "CREATE VIEW order_totals AS"
          + " SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id;\n";

  static final String ROWS =
      "INSERT INTO customers SELECT i, 'c' || i || '@example.com', 'c' || i, 'note'"
          + " FROM generate_series(1, 2000) i;\n"
          + "INSERT INTO orders (id, customer_id, amount, status, code)"
          + " SELECT i, 1 + i % 2000, i % 500, 'new', 'x' || i % 100"
          + " FROM generate_series(1, 20000) i;\n"
          + "INSERT INTO legacy SELECT i, 'p' FROM generate_series(1, 100) i;\n"
          + "ANALYZE;\n";

  final TestDatabase target;
  final TestDatabase scratch;
  final TargetSizes sizes;
  private final Connection scratchSession;

  ImpactFixture() throws SQLException {
    TestPostgresServer server = TestPostgresServer.shared();
    target = server.createDatabase("impact_target");
    scratch = server.createDatabase("impact_scratch");
    target.execute(SCHEMA + ROWS);
    try (Connection c = target.dataSource().getConnection()) {
      sizes = TargetSizes.read(c);
    }
    scratchSession = scratch.dataSource().getConnection();
  }

  /** Puts the scratch database back to the target's schema without rows. */
  void reset() throws SQLException {
    scratchSession.setAutoCommit(true);
    try (Statement s = scratchSession.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; " + SCHEMA);
    }
  }

  /** Plans the scripts (each one migration) on a freshly reset scratch database. */
  ImpactProbe.Result plan(Duration lockTimeout, String... scripts) throws SQLException {
    reset();
    List<PendingScript> pending = new ArrayList<>();
    for (int i = 0; i < scripts.length; i++) {
      pending.add(script(i + 1, scripts[i]));
    }
    MigrationRequest request = MigrationRequest.builder(List.of()).lockTimeout(lockTimeout).build();
    return ImpactProbe.run(scratchSession, sizes, pending, request, 0);
  }

  ImpactProbe.Result plan(String... scripts) throws SQLException {
    return plan(Duration.ofSeconds(10), scripts);
  }

  static PendingScript script(int version, String text) {
    List<SqlStatement> statements = SqlSplitter.split(text);
    boolean transactional = statements.stream().noneMatch(Statements::refusesTransaction);
    return new PendingScript(
        Integer.toString(version), "step", "V" + version + "__step.sql", transactional, statements);
  }

  @Override
  public void close() throws SQLException {
    scratchSession.close();
    scratch.close();
    target.close();
  }
}
