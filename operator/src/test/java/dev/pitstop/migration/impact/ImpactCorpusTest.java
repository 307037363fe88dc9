package dev.pitstop.migration.impact;

import static dev.pitstop.migration.impact.FindingCode.PS100;
import static dev.pitstop.migration.impact.FindingCode.PS101;
import static dev.pitstop.migration.impact.FindingCode.PS102;
import static dev.pitstop.migration.impact.FindingCode.PS103;
import static dev.pitstop.migration.impact.FindingCode.PS104;
import static dev.pitstop.migration.impact.FindingCode.PS105;
import static dev.pitstop.migration.impact.FindingCode.PS106;
import static dev.pitstop.migration.impact.FindingCode.PS107;
import static dev.pitstop.migration.impact.FindingCode.PS108;
import static dev.pitstop.migration.impact.FindingCode.PS109;
import static dev.pitstop.migration.impact.FindingCode.PS110;
import static dev.pitstop.migration.impact.FindingCode.PS111;
import static dev.pitstop.migration.impact.FindingCode.PS112;
import static dev.pitstop.migration.impact.FindingCode.PS113;
import static dev.pitstop.migration.impact.FindingCode.PS114;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The labelled corpus: each entry is one or more migrations planned against a fresh copy of the
 * fixture's schema (customers 2,000 rows, orders 20,000 rows, legacy 100 rows, audit empty), with
 * the exact set of finding codes the plan must report. Risky entries cover every code at least
 * twice; safe look-alikes must report nothing.
 */
class ImpactCorpusTest {

  record Entry(String label, Set<FindingCode> codes, Duration lockTimeout, List<String> scripts) {}

  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  static Entry risky(String label, Set<FindingCode> codes, String... scripts) {
    return new Entry(label, codes, TEN_SECONDS, List.of(scripts));
  }

  static Entry safe(String label, String... scripts) {
    return new Entry(label, Set.of(), TEN_SECONDS, List.of(scripts));
  }

  /** A domain that orders uses, every row holding its default. */
  static final String REFUND_DOMAIN =
      "CREATE DOMAIN refund_amount AS integer;\n"
          + "ALTER TABLE orders ADD COLUMN refund refund_amount DEFAULT 0;";

  static final List<Entry> RISKY =
      List.of(
          risky("fails: unknown table", Set.of(PS100), "ALTER TABLE missing ADD COLUMN x int"),
          risky(
              "fails: unknown column in an index",
              Set.of(PS100),
              "CREATE INDEX orders_bad_idx ON orders (nope)"),
          risky(
              "fails on the target's rows: NOT NULL column without a default",
              Set.of(PS100),
              "ALTER TABLE orders ADD COLUMN region integer NOT NULL"),
          risky(
              "fails on the target's rows: SET NOT NULL of a column an earlier migration added"
                  + " without a default",
              Set.of(PS100, PS106),
              "ALTER TABLE orders ADD COLUMN region_id integer",
              "ALTER TABLE orders ALTER COLUMN region_id SET NOT NULL"),
          risky(
              "fails, and the next migration fails after it",
              Set.of(PS100),
              "CREATE TABLE coupons (id bigint PRIMARY KEY, code text REFERENCES nowhere (id))",
              "INSERT INTO coupons VALUES (1, 'x')"),
          risky(
              "two ALTERs of a big table in one transaction",
              Set.of(PS101),
              "ALTER TABLE orders ADD COLUMN a1 int;\nALTER TABLE orders ADD COLUMN a2 int;"),
          risky(
              "exclusive lock held while an index is built",
              Set.of(PS101, PS103),
              "ALTER TABLE customers ADD COLUMN c1 int;\n"
                  + "CREATE INDEX customers_c1_idx ON customers (c1);"),
          risky(
              "LOCK TABLE then more work",
              Set.of(PS101),
              "LOCK TABLE legacy IN EXCLUSIVE MODE;\nCOMMENT ON TABLE legacy IS 'old';"),
          risky("SET UNLOGGED rewrites", Set.of(PS102), "ALTER TABLE orders SET UNLOGGED"),
          risky("CLUSTER rewrites", Set.of(PS102), "CLUSTER orders USING orders_pkey"),
          risky("VACUUM FULL rewrites", Set.of(PS102), "VACUUM FULL orders"),
          risky("REINDEX rebuilds", Set.of(PS102), "REINDEX INDEX orders_customer_idx"),
          risky("TRUNCATE", Set.of(PS102), "TRUNCATE legacy"),
          risky(
              "TRUNCATE, then a NOT NULL column without a default (not a certain failure)",
              Set.of(PS102),
              "TRUNCATE legacy",
              "ALTER TABLE legacy ADD COLUMN kind text NOT NULL"),
          risky(
              "index without CONCURRENTLY",
              Set.of(PS103),
              "CREATE INDEX orders_status_idx ON orders (status)"),
          risky(
              "unique constraint builds an index",
              Set.of(PS103),
              "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email)"),
          risky(
              "unique expression index",
              Set.of(PS103),
              "CREATE UNIQUE INDEX customers_email_idx ON customers (lower(email))"),
          risky(
              "foreign key added validated",
              Set.of(PS104),
              "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2"
                  + " FOREIGN KEY (customer_id) REFERENCES customers (id)"),
          risky(
              "type change of a referenced key checks the referencing table again",
              Set.of(PS104, PS108),
              "ALTER TABLE customers ALTER COLUMN id TYPE integer"),
          risky(
              "foreign key NOT VALID and validated in the same migration",
              Set.of(PS104),
              "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2"
                  + " FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n"
                  + "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk2;"),
          risky(
              "check added validated",
              Set.of(PS105),
              "ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount >= 0)"),
          risky(
              "check NOT VALID and validated in the same migration",
              Set.of(PS101, PS105),
              "ALTER TABLE customers ADD CONSTRAINT customers_name_check CHECK (name <> '')"
                  + " NOT VALID;\n"
                  + "ALTER TABLE customers VALIDATE CONSTRAINT customers_name_check;"),
          risky(
              "domain check added validated",
              Set.of(PS114),
              REFUND_DOMAIN,
              "ALTER DOMAIN refund_amount ADD CONSTRAINT refund_amount_positive CHECK (VALUE >= 0)"),
          risky(
              "domain SET NOT NULL",
              Set.of(PS114),
              REFUND_DOMAIN,
              "ALTER DOMAIN refund_amount SET NOT NULL"),
          risky(
              "domain SET NOT NULL over a column added without a default",
              Set.of(PS100, PS114),
              "CREATE DOMAIN refund_amount AS integer;\n"
                  + "ALTER TABLE orders ADD COLUMN refund refund_amount;",
              "ALTER DOMAIN refund_amount SET NOT NULL"),
          risky(
              "SET NOT NULL of a domain under the domain of a column added without a default",
              Set.of(PS100, PS101, PS114),
              "CREATE DOMAIN amount AS integer;\n"
                  + "CREATE DOMAIN refund_amount AS amount;\n"
                  + "ALTER TABLE orders ADD COLUMN refund refund_amount;\n"
                  + "ALTER DOMAIN amount SET NOT NULL;"),
          risky(
              "domain check NOT VALID and validated in the same migration",
              Set.of(PS114),
              REFUND_DOMAIN,
              "ALTER DOMAIN refund_amount ADD CONSTRAINT refund_amount_positive CHECK (VALUE >= 0)"
                  + " NOT VALID;\n"
                  + "ALTER DOMAIN refund_amount VALIDATE CONSTRAINT refund_amount_positive;"),
          risky(
              "SET NOT NULL without a check constraint",
              Set.of(PS106),
              "ALTER TABLE orders ALTER COLUMN status SET NOT NULL"),
          risky(
              "SET NOT NULL on customers.name",
              Set.of(PS106),
              "ALTER TABLE customers ALTER COLUMN name SET NOT NULL"),
          risky(
              "volatile default",
              Set.of(PS107),
              "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()"),
          risky("serial column", Set.of(PS107), "ALTER TABLE customers ADD COLUMN seq serial"),
          risky(
              "stored generated column",
              Set.of(PS107),
              "ALTER TABLE orders ADD COLUMN cents bigint GENERATED ALWAYS AS (amount * 100)"
                  + " STORED"),
          risky(
              "bigint to integer",
              Set.of(PS108),
              "ALTER TABLE legacy ALTER COLUMN id TYPE integer"),
          risky(
              "varchar to integer",
              Set.of(PS108),
              "ALTER TABLE orders ALTER COLUMN code TYPE integer USING length(code)"),
          risky(
              "rename a column", Set.of(PS109), "ALTER TABLE orders RENAME COLUMN status TO state"),
          risky("rename a table", Set.of(PS109), "ALTER TABLE legacy RENAME TO legacy_old"),
          risky("drop a table", Set.of(PS109), "DROP TABLE legacy"),
          risky("drop a column", Set.of(PS109), "ALTER TABLE orders DROP COLUMN code"),
          risky("drop a view", Set.of(PS109), "DROP VIEW order_totals"),
          risky(
              "backfill after ADD COLUMN in one transaction",
              Set.of(PS101, PS110),
              "ALTER TABLE orders ADD COLUMN discount integer;\nUPDATE orders SET discount = 0;"),
          risky(
              "update, then an index in the same transaction",
              Set.of(PS103, PS110),
              "UPDATE customers SET note = 'x' WHERE note = '';\n"
                  + "CREATE INDEX customers_name_idx ON customers (name);"),
          risky(
              "delete, then ALTER in the same transaction",
              Set.of(PS110),
              "DELETE FROM orders WHERE amount < 0;\nALTER TABLE orders ADD COLUMN y int;"),
          risky(
              "DELETE in a WITH, then ALTER in the same transaction",
              Set.of(PS110),
              "WITH gone AS (DELETE FROM orders WHERE amount < 0 RETURNING id)"
                  + " SELECT count(*) FROM gone;\n"
                  + "ALTER TABLE orders ADD COLUMN y int;"),
          risky(
              "ALTER, then UPDATE with a WITH in the same transaction",
              Set.of(PS101, PS110),
              "ALTER TABLE orders ADD COLUMN discount integer;\n"
                  + "WITH small AS (SELECT id FROM orders WHERE amount < 10)"
                  + " UPDATE orders SET discount = 1 WHERE id IN (SELECT id FROM small);"),
          risky(
              "CONCURRENTLY inside a DO block",
              Set.of(PS111),
              "DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY audit_message_idx"
                  + " ON audit (message)'; END $$"),
          risky(
              "VACUUM inside a function",
              Set.of(PS111),
              "CREATE FUNCTION tidy() RETURNS void LANGUAGE plpgsql AS"
                  + " $$ BEGIN EXECUTE 'VACUUM audit'; END $$;\nSELECT tidy();"),
          risky(
              "CONCURRENTLY beside a statement that fails",
              Set.of(PS100, PS111),
              "CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount);\n"
                  + "ALTER TABLE orders ADD COLUMN amount int;"),
          risky(
              "CONCURRENTLY beside another statement",
              Set.of(PS111),
              "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n"
                  + "ALTER TABLE orders ADD COLUMN z int;"),
          risky(
              "lock_timeout 0 set by the script",
              Set.of(PS112),
              "SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN w int;"),
          new Entry(
              "lock_timeout 0 of the run",
              Set.of(PS112),
              Duration.ZERO,
              List.of("ALTER TABLE customers ADD COLUMN v int")),
          risky(
              "a role created and granted",
              Set.of(PS113),
              "CREATE ROLE corpus_reporting NOLOGIN;\n"
                  + "GRANT SELECT ON orders TO corpus_reporting;"),
          risky("a database dropped", Set.of(PS113), "DROP DATABASE IF EXISTS corpus_old_reports"),
          risky("a role's setting", Set.of(PS113), "ALTER ROLE CURRENT_USER SET work_mem = '64MB'"),
          risky(
              "a DO block that creates a role",
              Set.of(PS113),
              "DO $$ BEGIN EXECUTE 'CREATE ROLE corpus_dynamic NOLOGIN'; END $$"));

  static final List<Entry> SAFE =
      List.of(
          safe("ADD COLUMN DEFAULT 0", "ALTER TABLE orders ADD COLUMN priority integer DEFAULT 0"),
          safe("ADD COLUMN nullable", "ALTER TABLE orders ADD COLUMN remark text"),
          safe(
              "SET NOT NULL of a column an earlier migration added, on a table empty on the target",
              "ALTER TABLE audit ADD COLUMN level integer",
              "ALTER TABLE audit ALTER COLUMN level SET NOT NULL"),
          safe(
              "ADD COLUMN NOT NULL DEFAULT false",
              "ALTER TABLE orders ADD COLUMN flagged boolean NOT NULL DEFAULT false"),
          safe(
              "ADD COLUMN DEFAULT now() (stable)",
              "ALTER TABLE customers ADD COLUMN joined timestamptz DEFAULT now()"),
          safe(
              "CREATE INDEX CONCURRENTLY",
              "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)"),
          safe(
              "CREATE UNIQUE INDEX CONCURRENTLY",
              "CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email)"),
          safe(
              "CONCURRENTLY after SET",
              "SET statement_timeout = '1h';\n"
                  + "CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount);"),
          safe("index on an empty table", "CREATE INDEX audit_message_idx ON audit (message)"),
          safe(
              "index on a table created in the same migration",
              "CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);\n"
                  + "CREATE INDEX shipments_order_idx ON shipments (order_id);"),
          safe(
              "index on a table created by an earlier migration of the plan",
              "CREATE TABLE parcels (id bigint PRIMARY KEY, weight int)",
              "CREATE INDEX parcels_weight_idx ON parcels (weight)"),
          safe(
              "foreign key NOT VALID",
              "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2"
                  + " FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID"),
          safe(
              "foreign key validated in its own migration",
              "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2"
                  + " FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID",
              "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk2"),
          safe(
              "check NOT VALID",
              "ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount >= 0)"
                  + " NOT VALID"),
          safe(
              "check validated in its own migration",
              "ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount >= 0)"
                  + " NOT VALID",
              "ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive"),
          safe(
              "validating an already valid constraint",
              "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey"),
          safe(
              "SET NOT NULL with a validated check",
              "ALTER TABLE customers ALTER COLUMN note SET NOT NULL"),
          safe(
              "varchar(10) to varchar(20)",
              "ALTER TABLE customers ALTER COLUMN name TYPE varchar(20)"),
          safe("varchar to text", "ALTER TABLE customers ALTER COLUMN name TYPE text"),
          safe(
              "indexed varchar(10) to varchar(20)",
              "ALTER TABLE orders ALTER COLUMN code TYPE varchar(30)"),
          safe("indexed varchar to text", "ALTER TABLE orders ALTER COLUMN code TYPE text"),
          safe(
              "rename a table created in the same plan",
              "CREATE TABLE drafts (id bigint PRIMARY KEY)",
              "ALTER TABLE drafts RENAME TO draft_orders"),
          safe(
              "drop a table created in the same plan",
              "CREATE TABLE scratchpad (id bigint PRIMARY KEY)",
              "DROP TABLE scratchpad"),
          safe(
              "rename a column added in the same plan",
              "ALTER TABLE audit ADD COLUMN kind text",
              "ALTER TABLE audit RENAME COLUMN kind TO category"),
          safe(
              "INSERT ... VALUES",
              "INSERT INTO customers (id, email, name, note) VALUES (100000, 'x@y', 'x', 'n')"),
          safe("UPDATE alone", "UPDATE orders SET status = 'new' WHERE status IS NULL"),
          safe("DROP INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY orders_customer_idx"),
          safe("REINDEX CONCURRENTLY", "REINDEX INDEX CONCURRENTLY orders_customer_idx"),
          safe("COMMENT ON", "COMMENT ON TABLE orders IS 'orders'"),
          safe(
              "CREATE TABLE with a foreign key to a big table",
              "CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id))"),
          safe("CREATE VIEW", "CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100"),
          safe("GRANT", "GRANT SELECT ON orders TO PUBLIC"),
          safe(
              "GRANT of column privileges whose ON comes after the first 32 tokens",
              "GRANT SELECT (id, email, name, note), UPDATE (email, name, note),"
                  + " INSERT (id, email, name, note), REFERENCES (id, email) ON customers"
                  + " TO PUBLIC"),
          safe(
              "NOT NULL column without a default after a migration deleted the rows",
              "DELETE FROM legacy",
              "ALTER TABLE legacy ADD COLUMN kind text NOT NULL"),
          safe(
              "NOT NULL column on an empty table",
              "ALTER TABLE audit ADD COLUMN kind text NOT NULL"),
          safe(
              "NOT NULL column of a domain with a default",
              "CREATE DOMAIN region_code AS text DEFAULT 'eu';\n"
                  + "ALTER TABLE orders ADD COLUMN region region_code NOT NULL;"),
          safe("default privileges", "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC"),
          safe(
              "exclusive lock with lock_timeout set",
              "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;"),
          safe("SET DEFAULT", "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new'"),
          safe(
              "domain check NOT VALID",
              REFUND_DOMAIN,
              "ALTER DOMAIN refund_amount ADD CONSTRAINT refund_amount_positive CHECK (VALUE >= 0)"
                  + " NOT VALID"),
          safe(
              "domain check of a domain only an empty table uses",
              "CREATE DOMAIN message_kind AS text;\nALTER TABLE audit ADD COLUMN kind message_kind;",
              "ALTER DOMAIN message_kind ADD CONSTRAINT message_kind_known CHECK (VALUE <> '')"),
          safe("domain DROP NOT NULL", REFUND_DOMAIN, "ALTER DOMAIN refund_amount DROP NOT NULL"),
          safe("DROP NOT NULL", "ALTER TABLE orders ALTER COLUMN amount DROP NOT NULL"),
          safe(
              "type change of an empty table",
              "ALTER TABLE audit ALTER COLUMN message TYPE integer USING 0"),
          safe(
              "check on an empty table",
              "ALTER TABLE audit ADD CONSTRAINT audit_message_check CHECK (message <> '')"),
          safe("CREATE SEQUENCE", "CREATE SEQUENCE invoice_seq"),
          safe("ANALYZE", "ANALYZE orders"),
          safe("rename an index", "ALTER INDEX orders_customer_idx RENAME TO orders_cust_idx"),
          safe("SET STATISTICS", "ALTER TABLE orders ALTER COLUMN created_at SET STATISTICS 500"),
          safe(
              "backfill of a table created in the same migration",
              "CREATE TABLE order_copies (id bigint PRIMARY KEY, amount int);\n"
                  + "INSERT INTO order_copies SELECT id, amount FROM orders;"),
          safe(
              "a WITH that only reads, then ALTER",
              "WITH big AS (SELECT id FROM orders WHERE amount > 100) SELECT count(*) FROM big;\n"
                  + "ALTER TABLE orders ADD COLUMN flagged boolean;"),
          safe(
              "backfill with a WITH of a table created in the same migration",
              "CREATE TABLE order_notes (id bigint PRIMARY KEY, note text);\n"
                  + "WITH big AS (SELECT id FROM orders WHERE amount > 100)"
                  + " INSERT INTO order_notes SELECT id, 'big' FROM big;"),
          safe(
              "exclusive lock on an empty table held across statements",
              "ALTER TABLE audit ADD COLUMN a1 int;\nALTER TABLE audit ADD COLUMN a2 int;"));

  static ImpactFixture fixture;

  @BeforeAll
  static void createDatabases() throws Exception {
    fixture = new ImpactFixture();
  }

  @AfterAll
  static void dropDatabases() throws Exception {
    fixture.close();
  }

  @Test
  void corpusIsLargeEnoughAndCoversEveryCodeTwice() {
    assertThat(RISKY.size()).isGreaterThanOrEqualTo(32);
    assertThat(SAFE.size()).isGreaterThanOrEqualTo(32);
    Map<FindingCode, Integer> coverage = new EnumMap<>(FindingCode.class);
    RISKY.forEach(e -> e.codes().forEach(c -> coverage.merge(c, 1, Integer::sum)));
    for (FindingCode code : FindingCode.values()) {
      assertThat(coverage.getOrDefault(code, 0)).as(code.name()).isGreaterThanOrEqualTo(2);
    }
    assertThat(RISKY).allMatch(e -> !e.codes().isEmpty());
  }

  private static final Set<FindingCode> SIZED =
      EnumSet.of(PS101, PS102, PS103, PS104, PS105, PS106, PS107, PS108, PS110, PS112, PS114);

  /**
   * A finding about a table's size names a lock mode as PostgreSQL documents it, the table as on
   * the target with its size, and the effect; every message is one line.
   */
  private static String messageProblem(Finding f) {
    if (f.message().contains("\n")) {
      return "has several lines";
    }
    if (!SIZED.contains(f.code())) {
      return null;
    }
    TargetSizes.Table t = fixture.sizes.table(f.relation());
    if (t == null) {
      return "names no table of the target (" + f.relation() + ")";
    }
    if (!f.message().contains(t.name() + " (" + t.describe() + ")")) {
      return "lacks the table's size";
    }
    if (!f.message()
        .matches(
            "^(ACCESS EXCLUSIVE|EXCLUSIVE|SHARE ROW EXCLUSIVE|SHARE|SHARE UPDATE EXCLUSIVE"
                + "|ROW EXCLUSIVE)( \\(stated\\))? on .*")) {
      return "does not start with the lock";
    }
    if (!f.message().contains(": blocks ")) {
      return "does not say what it blocks";
    }
    return null;
  }

  @Test
  void everyEntryReportsExactlyItsCodes() throws Exception {
    List<String> mismatches = new ArrayList<>();
    List<Entry> all = new ArrayList<>(RISKY);
    all.addAll(SAFE);
    for (Entry entry : all) {
      ImpactProbe.Result result =
          fixture.plan(entry.lockTimeout(), entry.scripts().toArray(String[]::new));
      Set<FindingCode> found =
          result.findings().stream()
              .map(Finding::code)
              .collect(Collectors.toCollection(() -> EnumSet.noneOf(FindingCode.class)));
      for (Finding f : result.findings()) {
        String problem = messageProblem(f);
        if (problem != null) {
          mismatches.add(
              entry.label() + ": " + f.code() + " message " + problem + ": " + f.message());
        }
      }
      if (!found.equals(entry.codes())) {
        mismatches.add(
            entry.label()
                + ": expected "
                + new TreeSet<>(entry.codes())
                + " but found "
                + result.findings().stream()
                    .map(f -> f.code() + " " + f.message())
                    .collect(Collectors.joining(" | "))
                + " / measured "
                + result.scripts());
      }
    }
    assertThat(mismatches).isEmpty();
  }
}
