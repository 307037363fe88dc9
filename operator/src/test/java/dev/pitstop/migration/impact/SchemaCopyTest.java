package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SchemaCopyTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  private static final String USER_SCHEMAS =
      " n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ";

  /** What must be equal on the target and its copy, one query per kind of object. */
  private static final List<String> CATALOG_VIEWS =
      List.of(
          // columns in order, with type, collation, default, nullability, identity, generation
          "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' #'"
              + " || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)"
              + " || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)"
              + " || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text"
              + " || ' generated=' || a.attgenerated::text || ' collation=' || coalesce(co.collname, '')"
              + " || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')"
              + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
              + " JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
              + " LEFT JOIN pg_collation co ON co.oid = a.attcollation"
              + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','c')"
              + " AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // every constraint of tables and domains, with its validation state
          "SELECT n.nspname || '.' || coalesce(c.relname, t.typname) || ' ' || con.conname"
              + " || ' ' || con.contype::text || ' validated=' || con.convalidated"
              + " || ' local=' || con.conislocal || ' parent=' || (con.conparentid <> 0)"
              + " || ' ' || pg_get_constraintdef(con.oid)"
              + " FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace"
              + " LEFT JOIN pg_class c ON c.oid = con.conrelid"
              + " LEFT JOIN pg_type t ON t.oid = con.contypid WHERE"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // every valid index, with its parent index (partitions)
          "SELECT pg_get_indexdef(i.indexrelid) || ' parent=' || coalesce(("
              + "SELECT h.inhparent::regclass::text FROM pg_inherits h"
              + " WHERE h.inhrelid = i.indexrelid), '')"
              + " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
              + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE i.indisvalid AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // views and materialized views
          "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' '"
              + " || coalesce(array_to_string(c.reloptions, ','), '') || pg_get_viewdef(c.oid)"
              + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE c.relkind IN ('v', 'm') AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // triggers
          "SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger t"
              + " JOIN pg_class c ON c.oid = t.tgrelid"
              + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // partitioning: keys, bounds, parents; persistence of every table
          "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text"
              + " || ' ' || coalesce(pg_get_partkeydef(c.oid), '')"
              + " || ' ' || coalesce(pg_get_expr(c.relpartbound, c.oid), '')"
              + " || ' of ' || coalesce((SELECT string_agg(h.inhparent::regclass::text, ',')"
              + " FROM pg_inherits h WHERE h.inhrelid = c.oid), '')"
              + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE c.relkind IN ('r', 'p', 'S') AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // sequences: their definitions and owning columns
          "SELECT s.seqrelid::regclass::text || ' ' || format_type(s.seqtypid, NULL)"
              + " || ' ' || s.seqstart || ' ' || s.seqincrement || ' ' || s.seqmin || ' ' || s.seqmax"
              + " || ' ' || s.seqcache || ' ' || s.seqcycle || ' owned by ' || coalesce(("
              + "SELECT d.refobjid::regclass::text || '.' || d.refobjsubid || d.deptype::text"
              + " FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid"
              + " AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')), '')"
              + " FROM pg_sequence s ORDER BY 1",
          // types: enums with their labels in order, domains, composites
          "SELECT n.nspname || '.' || t.typname || ' ' || t.typtype::text"
              + " || ' ' || format_type(t.typbasetype, t.typtypmod) || ' notnull=' || t.typnotnull"
              + " || ' default=' || coalesce(pg_get_expr(t.typdefaultbin, 0), '') || ' labels='"
              + " || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)"
              + " FROM pg_enum e WHERE e.enumtypid = t.oid), '')"
              + " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
              + " WHERE t.typtype IN ('e', 'd', 'c', 'r') AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // functions
          "SELECT pg_get_functiondef(p.oid) FROM pg_proc p"
              + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind <> 'a' AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // rules
          "SELECT pg_get_ruledef(r.oid) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
              + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // relations: typed tables, row security, replica identity, populated, clustered index
          "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text"
              + " || ' of=' || coalesce(format_type(nullif(c.reloftype, 0), NULL), '')"
              + " || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity"
              + " || ' replident=' || c.relreplident::text || ' populated=' || c.relispopulated"
              + " || ' clustered=' || coalesce((SELECT i.indexrelid::regclass::text FROM pg_index i"
              + " WHERE i.indrelid = c.oid AND i.indisclustered), '')"
              + " || ' identity index=' || coalesce((SELECT i.indexrelid::regclass::text"
              + " FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident), '')"
              + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE c.relkind IN ('r', 'p', 'm') AND"
              + USER_SCHEMAS
              + "ORDER BY 1",
          // row security policies
          "SELECT schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive"
              + " || ' ' || array_to_string(roles, ',') || ' ' || cmd || ' ' || coalesce(qual, '')"
              + " || ' ' || coalesce(with_check, '') FROM pg_policies ORDER BY 1",
          // extended statistics
          "SELECT pg_get_statisticsobjdef(s.oid) FROM pg_statistic_ext s ORDER BY 1",
          // text search configurations and dictionaries
          "SELECT c.cfgnamespace::regnamespace::text || '.' || c.cfgname || ' ' || t.alias"
              + " || ' ' || m.mapseqno || ' ' || m.mapdict::regdictionary::text"
              + " FROM pg_ts_config c JOIN pg_ts_config_map m ON m.mapcfg = c.oid"
              + " JOIN ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype"
              + " WHERE c.cfgnamespace::regnamespace::text !~ '^pg_' ORDER BY 1",
          "SELECT d.dictnamespace::regnamespace::text || '.' || d.dictname || ' ' || tm.tmplname"
              + " || ' ' || coalesce(d.dictinitoption, '') FROM pg_ts_dict d"
              + " JOIN pg_ts_template tm ON tm.oid = d.dicttemplate"
              + " WHERE d.dictnamespace::regnamespace::text !~ '^pg_' ORDER BY 1");

  /** A schema with most kinds of objects, and some rows. */
  static void buildRichSchema(TestDatabase target) {
    target.execute(
        """
        CREATE SCHEMA shop;
        CREATE SCHEMA "Audit Log";
        CREATE TYPE shop.mood AS ENUM ('sad', 'ok', 'it''s fine');
        CREATE DOMAIN shop.positive AS integer NOT NULL DEFAULT 1
          CONSTRAINT positive_check CHECK (VALUE > 0);
        CREATE TYPE shop.address AS (street text, zip varchar(10) COLLATE "C");
        CREATE TYPE shop.price_range AS RANGE (subtype = numeric);
        CREATE SEQUENCE shop.invoice_no AS integer START WITH 1000 INCREMENT BY 5
          MAXVALUE 999999 CACHE 3 CYCLE;
        CREATE TABLE shop.customers (
          id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2) PRIMARY KEY,
          legacy text,
          email text NOT NULL UNIQUE,
          name text COLLATE "C" DEFAULT 'anon',
          mood shop.mood DEFAULT 'ok',
          home shop.address,
          credit shop.positive,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT email_has_at CHECK (position('@' in email) > 0));
        ALTER TABLE shop.customers DROP COLUMN legacy;
        CREATE TABLE shop.orders (
          id serial PRIMARY KEY,
          customer_id bigint NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
          invoice integer DEFAULT nextval('shop.invoice_no'),
          quantity integer NOT NULL,
          price numeric(10, 2) NOT NULL,
          total numeric GENERATED ALWAYS AS (quantity * price) STORED,
          note varchar(200),
          status text,
          wanted shop.price_range);
        ALTER TABLE shop.orders ADD CONSTRAINT quantity_positive CHECK (quantity > 0) NOT VALID;
        CREATE TABLE shop.order_notes (order_id integer, body text);
        ALTER TABLE shop.order_notes ADD CONSTRAINT order_notes_order
          FOREIGN KEY (order_id) REFERENCES shop.orders (id) NOT VALID;
        CREATE INDEX orders_open ON shop.orders (customer_id) WHERE status <> 'closed';
        CREATE INDEX orders_lower_note ON shop.orders (lower(note));
        CREATE TABLE shop.bookings (room int, during tstzrange,
          CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&));
        CREATE TABLE shop.events (id bigint NOT NULL, at date NOT NULL, payload jsonb,
          PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE shop.events_2025 PARTITION OF shop.events
          FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE shop.events_2026 PARTITION OF shop.events
          FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE TABLE shop.events_other PARTITION OF shop.events DEFAULT;
        CREATE INDEX events_payload ON shop.events USING gin (payload);
        CREATE TABLE "Audit Log"."Mixed Case" ("Id" int PRIMARY KEY, "Who?" text,
          at timestamptz DEFAULT clock_timestamp());
        CREATE VIEW shop.big_orders AS SELECT o.id, c.email FROM shop.orders o
          JOIN shop.customers c ON c.id = o.customer_id WHERE o.total > 100;
        CREATE VIEW shop.sad_customers WITH (security_barrier) AS
          SELECT id, email FROM shop.customers WHERE mood = 'sad' WITH LOCAL CHECK OPTION;
        CREATE MATERIALIZED VIEW shop.order_counts AS
          SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY customer_id;
        CREATE UNIQUE INDEX order_counts_customer ON shop.order_counts (customer_id);
        CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN NEW.note := coalesce(NEW.note, 'none'); RETURN NEW; END $$;
        CREATE FUNCTION shop.order_total(o shop.orders) RETURNS numeric LANGUAGE sql
          AS 'SELECT o.total';
        CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF note ON shop.orders
          FOR EACH ROW WHEN (NEW.quantity > 0) EXECUTE FUNCTION shop.touch();
        CREATE TABLE shop.metrics (tenant int NOT NULL, at date NOT NULL, v float8)
          PARTITION BY LIST (tenant);
        CREATE TABLE shop.metrics_1 PARTITION OF shop.metrics FOR VALUES IN (1)
          PARTITION BY HASH (at);
        CREATE TABLE shop.metrics_1_a PARTITION OF shop.metrics_1
          FOR VALUES WITH (MODULUS 2, REMAINDER 0);
        CREATE TABLE shop.metrics_1_b PARTITION OF shop.metrics_1
          FOR VALUES WITH (MODULUS 2, REMAINDER 1);
        CREATE INDEX metrics_at ON shop.metrics (at DESC NULLS LAST, tenant) INCLUDE (v);
        CREATE UNIQUE INDEX customers_name_mood ON shop.customers (name COLLATE "POSIX", mood)
          NULLS NOT DISTINCT WITH (fillfactor = 70);
        CREATE UNIQUE INDEX orders_invoice ON shop.orders (invoice NULLS FIRST);
        ALTER TABLE shop.order_notes ADD CONSTRAINT order_notes_body_key UNIQUE (body)
          DEFERRABLE INITIALLY DEFERRED;
        CREATE TABLE shop.base_log (id int, at timestamptz DEFAULT now());
        CREATE UNLOGGED TABLE shop.child_log (extra text) INHERITS (shop.base_log);
        CREATE TRIGGER orders_touch_off AFTER DELETE ON shop.orders
          FOR EACH STATEMENT EXECUTE FUNCTION shop.touch();
        ALTER TABLE shop.orders DISABLE TRIGGER orders_touch_off;
        CREATE RULE no_delete AS ON DELETE TO shop.base_log DO INSTEAD NOTHING;
        CREATE TYPE shop.pair AS (a int, b text);
        CREATE TABLE shop.pairs OF shop.pair (a WITH OPTIONS NOT NULL DEFAULT 0, PRIMARY KEY (a));
        ALTER TABLE shop.customers CLUSTER ON customers_pkey;
        ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
        ALTER TABLE shop.orders FORCE ROW LEVEL SECURITY;
        CREATE POLICY own_rows ON shop.customers FOR SELECT USING (email = current_user);
        CREATE POLICY small_orders ON shop.orders AS RESTRICTIVE FOR INSERT TO PUBLIC
          WITH CHECK (quantity < 1000);
        CREATE STATISTICS shop.orders_qp (dependencies) ON quantity, price FROM shop.orders;
        CREATE STATISTICS shop.orders_note_status ON lower(note), status FROM shop.orders;
        ALTER TABLE shop.order_notes REPLICA IDENTITY FULL;
        ALTER TABLE "Audit Log"."Mixed Case" REPLICA IDENTITY NOTHING;
        CREATE TABLE shop.keyed (code text NOT NULL, n int);
        CREATE UNIQUE INDEX keyed_code ON shop.keyed (code);
        ALTER TABLE shop.keyed REPLICA IDENTITY USING INDEX keyed_code;
        CREATE TEXT SEARCH DICTIONARY shop.plain (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
        CREATE TEXT SEARCH CONFIGURATION shop.notes (COPY = pg_catalog.english);
        ALTER TEXT SEARCH CONFIGURATION shop.notes
          ALTER MAPPING FOR asciiword WITH shop.plain, english_stem;
        CREATE TABLE shop.documents (id int PRIMARY KEY, body text, words tsvector
          GENERATED ALWAYS AS (to_tsvector('shop.notes'::regconfig, coalesce(body, ''))) STORED);
        CREATE MATERIALIZED VIEW shop.stale_counts AS SELECT count(*) AS n FROM shop.orders
          WITH NO DATA;
        CREATE TABLE public.flyway_schema_history (installed_rank int PRIMARY KEY,
          version varchar(50), description varchar(200) NOT NULL, success boolean NOT NULL);
        INSERT INTO shop.customers (email, mood) VALUES ('a@x', 'sad'), ('b@x', 'ok');
        INSERT INTO shop.orders (customer_id, quantity, price, note)
          SELECT 10, g, 50, 'n' || g FROM generate_series(1, 5) g;
        INSERT INTO shop.order_notes VALUES (1, 'same'), (2, 'same ');
        INSERT INTO shop.events VALUES (1, '2025-03-01', '{}'), (2, '2030-01-01', NULL);
        INSERT INTO "Audit Log"."Mixed Case" ("Id", "Who?") VALUES (1, 'me');
        INSERT INTO public.flyway_schema_history VALUES (1, '1', 'init', true);
        """);
    // fails on the duplicate rows, leaving an invalid index behind
    try {
      target.execute("CREATE UNIQUE INDEX CONCURRENTLY dup_body ON shop.order_notes (rtrim(body))");
      throw new AssertionError("the unique index was expected to fail");
    } catch (IllegalStateException expected) {
      // left invalid
    }
  }

  @Test
  void copiesTheSchemaWithoutData() throws Exception {
    TestDatabase target = pg.database();
    buildRichSchema(target);
    TestDatabase scratch = pg.createDatabase();

    List<String> notCopied;
    try (Connection onTarget = target.dataSource().getConnection();
        Connection onScratch = scratch.dataSource().getConnection()) {
      notCopied = SchemaCopy.copy(onTarget, onScratch);
      assertThat(onTarget.getAutoCommit()).isTrue();
      assertThat(onScratch.getAutoCommit()).isTrue();
    }

    assertThat(notCopied).containsExactly("index shop.dup_body (invalid)");
    for (String query : CATALOG_VIEWS) {
      List<String> expected = rows(target.dataSource(), query);
      assertThat(expected).as(query).isNotEmpty();
      assertThat(rows(scratch.dataSource(), query)).as(query).isEqualTo(expected);
    }
    assertThat(
            rows(scratch.dataSource(), "SELECT relname FROM pg_class WHERE relname = 'dup_body'"))
        .isEmpty();
    assertThat(rowCounts(scratch.dataSource())).isNotEmpty().allMatch(c -> c.endsWith(" 0"));
    assertThat(rowCounts(target.dataSource())).anyMatch(c -> !c.endsWith(" 0"));
    // a materialized view is populated on the copy (from empty tables) when it is on the target
    assertThat(
            rows(
                scratch.dataSource(),
                "SELECT relname || ' ' || relispopulated FROM pg_class"
                    + " WHERE relname IN ('order_counts', 'stale_counts') ORDER BY 1"))
        .containsExactly("order_counts true", "stale_counts false");
  }

  @Test
  void listsWhatItCannotReproduceAndCopiesTheRest() throws Exception {
    TestDatabase target = pg.database();
    target.execute(
        """
        CREATE TABLE kept (id int PRIMARY KEY, tag text);
        CREATE FUNCTION sum_sfunc(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
        CREATE AGGREGATE my_sum(int) (sfunc = sum_sfunc, stype = int);
        CREATE TABLE uses_collation (name text COLLATE "C");
        CREATE COLLATION my_c (locale = 'C');
        CREATE FUNCTION int_close(int, int) RETURNS boolean LANGUAGE sql
          AS 'SELECT abs($1 - $2) < 2';
        CREATE OPERATOR ~~~ (LEFTARG = int, RIGHTARG = int, FUNCTION = int_close);
        CREATE TYPE cents AS (v bigint);
        CREATE FUNCTION cents_value(cents) RETURNS bigint LANGUAGE sql AS 'SELECT $1.v';
        CREATE CAST (cents AS bigint) WITH FUNCTION cents_value(cents);
        CREATE PUBLICATION kept_changes FOR TABLE kept;
        """);
    TestDatabase scratch = pg.createDatabase();

    List<String> notCopied = copy(target, scratch);

    assertThat(notCopied)
        .containsExactly(
            "aggregate public.my_sum(integer)",
            "cast (public.cents AS bigint)",
            "collation public.my_c",
            "operator public.~~~(integer, integer)",
            "publication kept_changes");
    assertThat(scratch.tableExists("kept")).isTrue();
    assertThat(scratch.tableExists("uses_collation")).isTrue();
  }

  @Test
  void anObjectTheScratchServerRefusesIsListedWithItsReason() throws Exception {
    TestDatabase target = pg.database();
    target.execute("CREATE TABLE clash (id int PRIMARY KEY); CREATE TABLE kept (id int);");
    TestDatabase scratch = pg.createDatabase();
    scratch.execute("CREATE TABLE clash (other text)");

    List<String> notCopied = copy(target, scratch);

    assertThat(notCopied)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("table public.clash (the scratch server refused it: ")
        .contains("already exists");
    assertThat(scratch.tableExists("kept")).isTrue();
  }

  @Test
  void aTableWhoseDefaultNeedsAFunctionThatNeedsTheTableIsCopiedWithItsDefault() throws Exception {
    TestDatabase target = pg.database();
    target.execute("CREATE TABLE codes (id int PRIMARY KEY, code text)");
    // one statement at a time: the driver would split the body at its semicolon
    target.execute(
        "CREATE FUNCTION next_code() RETURNS text LANGUAGE sql"
            + " BEGIN ATOMIC SELECT 'c' || count(*) FROM public.codes; END");
    target.execute("ALTER TABLE codes ALTER COLUMN code SET DEFAULT next_code()");
    TestDatabase scratch = pg.createDatabase();

    List<String> notCopied = copy(target, scratch);

    // the table needs the function for its default, the function needs the table for its body
    assertThat(notCopied).isEmpty();
    assertThat(defaultOf(scratch, "codes", "code")).isEqualTo("next_code()");
    assertThat(
            scratch.queryStrings("SELECT proname::text FROM pg_proc WHERE proname = 'next_code'"))
        .containsExactly("next_code");
  }

  @Test
  void aDefaultTheScratchServerRefusesCostsTheCopyThatDefaultNotTheTable() throws Exception {
    TestDatabase target = pg.database();
    target.execute(
        """
        CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS 'SELECT ''c''';
        CREATE TABLE codes (id int PRIMARY KEY, code text DEFAULT next_code(),
          made timestamptz DEFAULT now());
        """);
    TestDatabase scratch = pg.createDatabase();
    // a procedure of that name (as on a server where it means something else)
    scratch.execute("CREATE PROCEDURE next_code() LANGUAGE sql AS 'SELECT 1'");

    List<String> notCopied = copy(target, scratch);

    assertThat(notCopied).hasSize(2);
    assertThat(notCopied.get(0)).startsWith("function public.next_code() (the scratch server");
    assertThat(notCopied.get(1))
        .startsWith("default of column public.codes.code (the scratch server refused it: ")
        .contains("procedure");
    assertThat(scratch.tableExists("codes")).isTrue();
    assertThat(defaultOf(scratch, "codes", "made")).isEqualTo("now()");
    assertThat(defaultOf(scratch, "codes", "code")).isEmpty();
  }

  private static List<String> copy(TestDatabase target, TestDatabase scratch) throws Exception {
    try (Connection onTarget = target.dataSource().getConnection();
        Connection onScratch = scratch.dataSource().getConnection()) {
      return SchemaCopy.copy(onTarget, onScratch);
    }
  }

  private static String defaultOf(TestDatabase db, String table, String column) {
    return db.queryStrings(
            "SELECT coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a"
                + " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                + " WHERE a.attrelid = ?::regclass AND a.attname = ?",
            table,
            column)
        .get(0);
  }

  @Test
  void extensionsAreCopiedAtTheTargetsVersionOrTheDifferenceIsListed() throws Exception {
    TestDatabase target = pg.database();
    target.execute("CREATE EXTENSION pg_trgm VERSION '1.3'");
    target.execute("CREATE EXTENSION citext");
    // a version this server has no script for (the target's server is another build)
    target.execute("UPDATE pg_extension SET extversion = '9.9' WHERE extname = 'citext'");
    TestDatabase scratch = pg.createDatabase();

    List<String> notCopied = copy(target, scratch);

    assertThat(
            scratch.queryStrings("SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm'"))
        .containsExactly("1.3");
    String installed =
        scratch.queryStrings("SELECT extversion FROM pg_extension WHERE extname = 'citext'").get(0);
    assertThat(installed).isNotEqualTo("9.9");
    assertThat(notCopied)
        .containsExactly(
            "extension citext 9.9 (the copy has "
                + installed
                + ": the scratch server cannot create 9.9)");
  }

  @Test
  void createsTheTargetsExtensionsInsteadOfTheirObjects() throws Exception {
    TestDatabase target = pg.database();
    target.execute(
        """
        CREATE SCHEMA ext;
        CREATE EXTENSION citext WITH SCHEMA ext;
        CREATE EXTENSION pg_trgm WITH SCHEMA ext;
        CREATE TABLE users (id int PRIMARY KEY, email ext.citext NOT NULL UNIQUE, name text);
        CREATE INDEX users_name_trgm ON users USING gin (name ext.gin_trgm_ops);
        """);
    TestDatabase scratch = pg.createDatabase();

    List<String> notCopied;
    try (Connection onTarget = target.dataSource().getConnection();
        Connection onScratch = scratch.dataSource().getConnection()) {
      notCopied = SchemaCopy.copy(onTarget, onScratch);
      // an extension the scratch server lacks is listed, and what needs it
      CatalogReader.Schema withoutExtensions = SchemaCopy.readTarget(onTarget, Set.of());
      assertThat(withoutExtensions.notCopied())
          .containsExactly(
              "extension citext (not available on the scratch server)",
              "extension pg_trgm (not available on the scratch server)");
      assertThat(withoutExtensions.objects())
          .extracting(SchemaObject::label)
          .doesNotContain("type ext.citext")
          .noneMatch(label -> label.contains("similarity"));
    }

    assertThat(notCopied).isEmpty();
    for (String query : List.of(CATALOG_VIEWS.get(0), CATALOG_VIEWS.get(2))) {
      assertThat(rows(scratch.dataSource(), query))
          .as(query)
          .isEqualTo(rows(target.dataSource(), query));
    }
    assertThat(
            rows(
                scratch.dataSource(),
                "SELECT extname || ' ' || extnamespace::regnamespace FROM pg_extension ORDER BY 1"))
        .isEqualTo(
            rows(
                target.dataSource(),
                "SELECT extname || ' ' || extnamespace::regnamespace FROM pg_extension ORDER BY 1"));
  }

  @Test
  void aSessionThatReadsAgainReusesTheServersPlansOfTheCatalogQueries() throws Exception {
    TestDatabase target = pg.database();
    buildRichSchema(target);
    String reused =
        "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql AND generic_plans > 0";

    try (Connection onTarget = target.dataSource().getConnection();
        Statement statement = onTarget.createStatement()) {
      // as an operator's pooled session does plan after plan
      for (int plan = 0; plan < 6; plan++) {
        SchemaCopy.readTarget(onTarget, Set.of());
        TargetSizes.read(onTarget);
      }
      List<String> statements = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(reused)) {
        while (rows.next()) {
          statements.add(rows.getString(1));
        }
      }
      assertThat(statements)
          .anyMatch(sql -> sql.contains("pg_catalog.pg_attribute"))
          .anyMatch(sql -> sql.contains("pg_catalog.pg_constraint"))
          .anyMatch(sql -> sql.contains("reltuples"))
          .hasSizeGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void readingTheCatalogsLeavesNoLockOnAnyTableOfTheTarget() throws Exception {
    TestDatabase target = pg.database();
    buildRichSchema(target);
    String userRelationLocks =
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND"
            + USER_SCHEMAS;

    try (Connection onTarget = target.dataSource().getConnection();
        Statement statement = onTarget.createStatement()) {
      onTarget.setAutoCommit(false);
      statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      statement.execute("SET LOCAL search_path = pg_catalog");
      statement.execute("SET LOCAL lock_timeout = '100ms'");

      CatalogReader.Schema schema = CatalogReader.read(onTarget, Set.of());

      assertThat(schema.objects()).extracting(SchemaObject::label).contains("view shop.big_orders");
      try (ResultSet count = statement.executeQuery(userRelationLocks)) {
        count.next();
        assertThat(count.getLong(1)).isZero();
      }
      // what the deparsing would hold without the savepoint
      statement.execute("SELECT pg_get_viewdef('shop.big_orders'::regclass)");
      try (ResultSet count = statement.executeQuery(userRelationLocks)) {
        count.next();
        assertThat(count.getLong(1)).isPositive();
      }
      onTarget.rollback();
    }
  }

  @Test
  void takesNoLockOnTheTarget() throws Exception {
    TestDatabase target = pg.database();
    buildRichSchema(target);
    TestDatabase scratch = pg.createDatabase();
    String everything =
        String.join(
            ", ",
            rows(
                target.dataSource(),
                "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE c.relkind IN ('r', 'p', 'v') AND"
                    + USER_SCHEMAS
                    + "ORDER BY 1"));

    List<String> notCopied;
    try (Connection locker = target.dataSource().getConnection();
        Connection onTarget = target.dataSource().getConnection();
        Connection onScratch = scratch.dataSource().getConnection()) {
      locker.setAutoCommit(false);
      try (Statement statement = locker.createStatement()) {
        statement.execute("LOCK TABLE " + everything + " IN ACCESS EXCLUSIVE MODE");
      }
      try (Statement statement = onTarget.createStatement()) {
        statement.execute("SET statement_timeout = '5s'");
      }

      notCopied = SchemaCopy.copy(onTarget, onScratch);

      assertThat(
              rows(
                  target.dataSource(),
                  "SELECT count(*)::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                      + " WHERE l.mode = 'AccessExclusiveLock' AND l.granted"
                      + " AND a.datname = current_database() AND l.locktype = 'relation'"))
          .isNotEqualTo(List.of("0"));
      locker.rollback();
    }

    // what the server deparses only under ACCESS SHARE on a table is left out and listed
    String locked = " (a table it uses is locked on the target)";
    assertThat(notCopied)
        .contains(
            "index shop.dup_body (invalid)",
            "generated column shop.orders.total" + locked,
            "constraint shop.customers.email_has_at" + locked,
            "index shop.orders_open" + locked,
            "trigger shop.orders.orders_touch" + locked,
            "view shop.big_orders" + locked,
            "materialized view shop.order_counts" + locked,
            "policy shop.customers.own_rows" + locked,
            "policy shop.orders.small_orders" + locked)
        .allMatch(o -> o.endsWith(locked) || o.endsWith("(invalid)"));
    // tables, partitions, keys, exclusion constraints, plain indexes and sequences are all there
    for (String query : List.of(CATALOG_VIEWS.get(5), CATALOG_VIEWS.get(6))) {
      assertThat(rows(scratch.dataSource(), query))
          .as(query)
          .isEqualTo(rows(target.dataSource(), query));
    }
    String keys =
        CATALOG_VIEWS
            .get(1)
            .replace("ORDER BY", "AND con.contype IN ('p', 'u', 'f', 'x') ORDER BY");
    assertThat(rows(scratch.dataSource(), keys))
        .isEqualTo(rows(target.dataSource(), keys))
        .isNotEmpty();
    String plainIndexes =
        CATALOG_VIEWS
            .get(2)
            .replace(
                "ORDER BY",
                "AND i.indexprs IS NULL AND i.indpred IS NULL AND c.relname <> 'order_counts_customer' ORDER BY");
    assertThat(rows(scratch.dataSource(), plainIndexes))
        .isEqualTo(rows(target.dataSource(), plainIndexes))
        .isNotEmpty();
  }

  /** Runs a query with only pg_catalog on the search path, so that names come out qualified. */
  static List<String> rows(DataSource dataSource, String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("SET search_path = pg_catalog");
      List<String> rows = new ArrayList<>();
      try (ResultSet result = statement.executeQuery(sql)) {
        while (result.next()) {
          rows.add(result.getString(1));
        }
      }
      return rows;
    }
  }

  private static List<String> rowCounts(DataSource dataSource) throws SQLException {
    List<String> counts = new ArrayList<>();
    for (String table :
        rows(
            dataSource,
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND"
                + USER_SCHEMAS
                + "ORDER BY 1")) {
      counts.add(table + " " + rows(dataSource, "SELECT count(*) FROM " + table).get(0));
    }
    return counts;
  }
}
