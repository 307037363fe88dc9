package dev.pitstop.migration.impact;

import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the target's schema from its catalogs and turns it into the statements that recreate it, in
 * an order that satisfies most dependencies (what still depends on something later is retried by
 * {@link SchemaCopy}).
 *
 * <p>Only catalogs are read, with {@code search_path} set to {@code pg_catalog} so that every name
 * the server deparses comes out schema-qualified. Definitions without expressions (columns,
 * defaults, partition bounds, primary keys, unique constraints, foreign keys, indexes, exclusion
 * constraints and partition keys on plain columns, triggers without WHEN) are read or written
 * without any lock. The server deparses an expression that refers to a table's columns (check
 * constraints, generated columns, expression and partial indexes and exclusion constraints, WHEN
 * conditions) or a query (views, rules, SQL-standard function bodies) only under ACCESS SHARE on
 * the tables concerned: those calls run in a savepoint rolled back at once, which releases the
 * lock, under a short {@code lock_timeout}, so such a lock lasts for the call only and never waits
 * more than that behind another session's lock; an object whose table is locked on the target is
 * left out and listed.
 */
final class CatalogReader {
  /** How long a definition that needs ACCESS SHARE on its relations may wait for it. */
  static final String DEPARSE_LOCK_TIMEOUT = "100ms";

  private static final String USER_SCHEMA =
      "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'";

  /** Kinds of objects as labels name them, longest first where one starts another. */
  private static final List<String> KINDS =
      List.of(
          "text search configuration",
          "text search dictionary",
          "materialized view",
          "generated column",
          "statistics",
          "policy",
          "foreign key",
          "constraint",
          "procedure",
          "function",
          "trigger",
          "index",
          "table",
          "view",
          "rule");

  private final Connection target;
  private final Map<String, String> extensionVersions = new LinkedHashMap<>();
  private final List<String> notCopied = new ArrayList<>();
  private final Set<String> skipped = new HashSet<>();
  private final Map<Long, List<String>> keys = new HashMap<>();
  private final Map<Long, List<String>> included = new HashMap<>();

  private CatalogReader(Connection target) {
    this.target = target;
  }

  /** The target's objects with the statements that create them, and what cannot be read. */
  /**
   * @param extensionVersions the version of each extension of the target, by name
   */
  record Schema(
      List<SchemaObject> objects,
      List<String> notCopied,
      Set<String> skipped,
      Map<String, String> extensionVersions) {}

  /**
   * @param target a session in a read-only transaction whose {@code search_path} is {@code
   *     pg_catalog} and whose {@code lock_timeout} is {@link #DEPARSE_LOCK_TIMEOUT}
   * @param availableExtensions extensions the scratch server can create
   */
  static Schema read(Connection target, Set<String> availableExtensions) throws SQLException {
    CatalogReader reader = new CatalogReader(target);
    List<SchemaObject> objects = new ArrayList<>();
    objects.addAll(reader.schemas());
    objects.addAll(reader.extensions(availableExtensions));
    Map<Long, List<Column>> columns = reader.columns();
    reader.readIndexColumns();
    objects.addAll(reader.types(columns));
    objects.addAll(reader.sequences());
    objects.addAll(reader.functions());
    Set<String> present = reader.present();
    if (present.contains("text search")) {
      objects.addAll(reader.textSearch());
    }
    objects.addAll(reader.tables(columns));
    objects.addAll(reader.sequenceOwners());
    objects.addAll(reader.constraints(false));
    objects.addAll(reader.views());
    objects.addAll(reader.indexes());
    objects.addAll(reader.indexAttachments());
    objects.addAll(reader.constraints(true));
    objects.addAll(reader.triggers());
    objects.addAll(reader.rules());
    if (present.contains("index roles")) {
      objects.addAll(reader.indexRoles());
    }
    if (present.contains("statistics")) {
      objects.addAll(reader.statistics());
    }
    if (present.contains("policies")) {
      objects.addAll(reader.policies());
    }
    if (present.contains("not reproduced")) {
      reader.listNotReproduced();
    }
    return new Schema(objects, reader.notCopied, reader.skipped, reader.extensionVersions);
  }

  private List<SchemaObject> schemas() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_namespace", "n.oid")
            + " ORDER BY n.nspname",
        r -> {
          String name = r.getString(1);
          out.add(new SchemaObject("schema", name, null, "CREATE SCHEMA IF NOT EXISTS " + q(name)));
        });
    return out;
  }

  private List<SchemaObject> extensions(Set<String> available) throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT e.extname, n.nspname, e.extversion FROM pg_catalog.pg_extension e"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
            + " WHERE e.extname <> 'plpgsql' ORDER BY e.oid",
        r -> {
          String name = r.getString(1);
          if (!available.contains(name)) {
            notCopied.add("extension " + name + " (not available on the scratch server)");
            return;
          }
          extensionVersions.put(name, r.getString(3));
          String create =
              "CREATE EXTENSION IF NOT EXISTS " + q(name) + " WITH SCHEMA " + q(r.getString(2));
          // the target's version (what a migration's ALTER EXTENSION ... UPDATE starts from), else
          // the scratch server's default one (the difference is listed after the copy)
          out.add(
              new SchemaObject(
                  "extension",
                  name,
                  null,
                  List.of(create + " VERSION " + SqlIdentifiers.literal(r.getString(3))),
                  List.of(new SchemaObject("extension", name, null, create))));
        });
    return out;
  }

  /** A column of a table or composite type. */
  private record Column(
      String name,
      String type,
      boolean notNull,
      String identity,
      String generated,
      boolean local,
      String defaultExpression,
      String collation,
      String identitySequence,
      String sequenceOptions) {

    String sql(boolean inTable) {
      return sql(inTable, true);
    }

    String sql(boolean inTable, boolean withDefault) {
      StringBuilder sql = new StringBuilder(q(name)).append(' ').append(type);
      if (collation != null) {
        sql.append(" COLLATE ").append(collation);
      }
      return inTable ? sql.append(options(withDefault)).toString() : sql.toString();
    }

    /** A plain default: not an identity's or a generated column's expression. */
    boolean hasPlainDefault() {
      return !"s".equals(generated) && identity.isEmpty() && defaultExpression != null;
    }

    /** Generation, identity, default and NOT NULL, each with a leading space; may be empty. */
    String options() {
      return options(true);
    }

    private String options(boolean withDefault) {
      StringBuilder sql = new StringBuilder();
      if ("s".equals(generated)) {
        sql.append(" GENERATED ALWAYS AS (").append(defaultExpression).append(") STORED");
      } else if (!identity.isEmpty()) {
        sql.append(" GENERATED ")
            .append("a".equals(identity) ? "ALWAYS" : "BY DEFAULT")
            .append(" AS IDENTITY");
        if (identitySequence != null) {
          sql.append(" (SEQUENCE NAME ")
              .append(identitySequence)
              .append(' ')
              .append(sequenceOptions)
              .append(')');
        }
      } else if (defaultExpression != null && withDefault) {
        sql.append(" DEFAULT ").append(defaultExpression);
      }
      if (notNull) {
        sql.append(" NOT NULL");
      }
      return sql.toString();
    }
  }

  private Map<Long, List<Column>> columns() throws SQLException {
    Map<Long, List<Column>> out = new HashMap<>();
    query(
        // The user's relations first, then their columns by index: pg_attribute also holds the
        // system catalogs' columns, thousands of rows a plan has no use for.
        "WITH user_relations AS MATERIALIZED (SELECT c.oid, c.relname, n.nspname"
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p', 'c') AND "
            + USER_SCHEMA
            + ")"
            + " SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
            + " a.attnotnull, a.attidentity, a.attgenerated, a.attislocal,"
            + " CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END,"
            + " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
            + "  THEN cn.nspname END, co.collname,"
            + " idseq.nspname, idseq.relname, idseq.seqstart, idseq.seqincrement, idseq.seqmin,"
            + " idseq.seqmax, idseq.seqcache, idseq.seqcycle, ad.oid, c.nspname, c.relname"
            + " FROM user_relations c"
            + " CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_attribute x"
            + "  WHERE x.attrelid = c.oid AND x.attnum > 0 AND NOT x.attisdropped OFFSET 0) a"
            + " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
            + " LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid"
            + "  AND ad.adnum = a.attnum"
            + " LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation"
            + " LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
            + " LEFT JOIN LATERAL (SELECT sn.nspname, sc.relname, s.*"
            + "  FROM pg_catalog.pg_depend d"
            + "  JOIN pg_catalog.pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'"
            + "  JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace"
            + "  JOIN pg_catalog.pg_sequence s ON s.seqrelid = sc.oid"
            + "  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
            + "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
            + "  AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i'"
            + "  LIMIT 1) idseq ON a.attidentity <> ''"
            + " ORDER BY a.attrelid, a.attnum",
        r -> {
          String collation =
              r.getString(9) == null ? null : q(r.getString(9)) + "." + q(r.getString(10));
          String sequence =
              r.getString(11) == null ? null : q(r.getString(11)) + "." + q(r.getString(12));
          String options =
              sequence == null
                  ? null
                  : sequenceOptions(
                      r.getLong(13),
                      r.getLong(14),
                      r.getLong(15),
                      r.getLong(16),
                      r.getLong(17),
                      r.getBoolean(18));
          String expression = r.getString(8);
          String generated = r.getString(6);
          if (!generated.isEmpty()) {
            // a generation expression refers to columns: the server deparses it only under ACCESS
            // SHARE on the table, taken in a savepoint that ends at once
            String label =
                "generated column "
                    + qualified(r.getString(20), r.getString(21))
                    + "."
                    + r.getString(2);
            expression =
                deparse(
                    "SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)"
                        + " FROM pg_catalog.pg_attrdef d WHERE d.oid = ?",
                    r.getLong(19),
                    label);
            if (expression == null) {
              generated = ""; // copied as a plain column, listed
            }
          }
          out.computeIfAbsent(r.getLong(1), k -> new ArrayList<>())
              .add(
                  new Column(
                      r.getString(2),
                      r.getString(3),
                      r.getBoolean(4),
                      r.getString(5),
                      generated,
                      r.getBoolean(7),
                      expression,
                      collation,
                      sequence,
                      options));
        });
    return out;
  }

  private List<SchemaObject> types(Map<Long, List<Column>> columns) throws SQLException {
    Map<Long, List<String>> domainChecks = new HashMap<>();
    query(
        "SELECT con.contypid, con.conname, pg_catalog.pg_get_constraintdef(con.oid)"
            + " FROM pg_catalog.pg_constraint con WHERE con.contypid <> 0 AND con.contype = 'c'"
            + " ORDER BY con.oid",
        r ->
            domainChecks
                .computeIfAbsent(r.getLong(1), k -> new ArrayList<>())
                .add("ADD CONSTRAINT " + q(r.getString(2)) + " " + r.getString(3)));
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT t.oid, n.nspname, t.typname, t.typtype, t.typrelid,"
            + " pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull,"
            + " pg_catalog.pg_get_expr(t.typdefaultbin, 0),"
            + " CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation"
            + "  THEN cn.nspname END, co.collname,"
            + " (SELECT pg_catalog.array_agg(e.enumlabel ORDER BY e.enumsortorder)"
            + "  FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),"
            + " pg_catalog.format_type(rg.rngsubtype, NULL),"
            + " CASE WHEN rg.rngsubdiff <> 0 THEN rg.rngsubdiff::pg_catalog.regproc::text END,"
            + " mn.nspname, mt.typname"
            + " FROM pg_catalog.pg_type t"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
            + " LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype"
            + " LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation"
            + " LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
            + " LEFT JOIN pg_catalog.pg_range rg ON rg.rngtypid = t.oid"
            + " LEFT JOIN pg_catalog.pg_type mt ON mt.oid = rg.rngmultitypid"
            + " LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace"
            + " WHERE "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_type", "t.oid")
            + " AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND EXISTS (SELECT 1"
            + "  FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')))"
            + " ORDER BY t.oid",
        r -> {
          String name = qualified(r.getString(2), r.getString(3));
          String sqlName = q(r.getString(2)) + "." + q(r.getString(3));
          switch (r.getString(4)) {
            case "e" -> {
              List<String> labels = new ArrayList<>();
              Array array = r.getArray(11);
              if (array != null) {
                for (Object label : (Object[]) array.getArray()) {
                  labels.add(SqlIdentifiers.literal((String) label));
                }
              }
              out.add(
                  new SchemaObject(
                      "type",
                      name,
                      null,
                      "CREATE TYPE " + sqlName + " AS ENUM (" + String.join(", ", labels) + ")"));
            }
            case "c" -> {
              List<String> attributes = new ArrayList<>();
              for (Column c : columns.getOrDefault(r.getLong(5), List.of())) {
                attributes.add(c.sql(false));
              }
              out.add(
                  new SchemaObject(
                      "type",
                      name,
                      null,
                      "CREATE TYPE " + sqlName + " AS (" + String.join(", ", attributes) + ")"));
            }
            case "d" -> {
              StringBuilder sql =
                  new StringBuilder("CREATE DOMAIN ")
                      .append(sqlName)
                      .append(" AS ")
                      .append(r.getString(6));
              if (r.getString(9) != null) {
                sql.append(" COLLATE ")
                    .append(q(r.getString(9)))
                    .append('.')
                    .append(q(r.getString(10)));
              }
              if (r.getString(8) != null) {
                sql.append(" DEFAULT ").append(r.getString(8));
              }
              if (r.getBoolean(7)) {
                sql.append(" NOT NULL");
              }
              List<String> statements = new ArrayList<>();
              statements.add(sql.toString());
              for (String check : domainChecks.getOrDefault(r.getLong(1), List.of())) {
                statements.add("ALTER DOMAIN " + sqlName + " " + check);
              }
              out.add(new SchemaObject("domain", name, null, statements));
            }
            default -> {
              StringBuilder sql =
                  new StringBuilder("CREATE TYPE ")
                      .append(sqlName)
                      .append(" AS RANGE (SUBTYPE = ")
                      .append(r.getString(12));
              if (r.getString(13) != null) {
                sql.append(", SUBTYPE_DIFF = ").append(r.getString(13));
              }
              if (r.getString(14) != null) {
                sql.append(", MULTIRANGE_TYPE_NAME = ")
                    .append(q(r.getString(14)))
                    .append('.')
                    .append(q(r.getString(15)));
              }
              out.add(new SchemaObject("type", name, null, sql.append(')').toString()));
            }
          }
        });
    return out;
  }

  private List<SchemaObject> sequences() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname, c.relname, c.relpersistence,"
            + " pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,"
            + " s.seqmin, s.seqmax, s.seqcache, s.seqcycle"
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid"
            + " WHERE c.relkind = 'S' AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
            + "  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
            + "  AND d.objid = c.oid AND d.deptype = 'i')"
            + " ORDER BY c.oid",
        r ->
            out.add(
                new SchemaObject(
                    "sequence",
                    qualified(r.getString(1), r.getString(2)),
                    null,
                    "CREATE "
                        + ("u".equals(r.getString(3)) ? "UNLOGGED " : "")
                        + "SEQUENCE "
                        + q(r.getString(1))
                        + "."
                        + q(r.getString(2))
                        + " AS "
                        + r.getString(4)
                        + " "
                        + sequenceOptions(
                            r.getLong(5),
                            r.getLong(6),
                            r.getLong(7),
                            r.getLong(8),
                            r.getLong(9),
                            r.getBoolean(10)))));
    return out;
  }

  private List<SchemaObject> functions() throws SQLException {
    record Function(long oid, String name, String kind, String definition) {}
    List<Function> found = new ArrayList<>();
    query(
        "SELECT p.oid, n.nspname, p.proname,"
            + " pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind,"
            // a SQL-standard body is a query, deparsed only under ACCESS SHARE on its tables
            + " CASE WHEN p.prosqlbody IS NULL AND p.prokind <> 'a'"
            + "  THEN pg_catalog.pg_get_functiondef(p.oid) END"
            + " FROM pg_catalog.pg_proc p"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_proc", "p.oid")
            + " ORDER BY p.oid",
        r -> {
          String kind =
              switch (r.getString(5)) {
                case "a" -> "aggregate";
                case "p" -> "procedure";
                default -> "function";
              };
          found.add(
              new Function(
                  r.getLong(1),
                  qualified(r.getString(2), r.getString(3)) + "(" + r.getString(4) + ")",
                  kind,
                  r.getString(6)));
        });
    List<SchemaObject> out = new ArrayList<>();
    for (Function f : found) {
      if (f.kind().equals("aggregate")) {
        notCopied.add("aggregate " + f.name());
        continue;
      }
      String definition =
          f.definition() != null
              ? f.definition()
              : deparseWith("pg_get_functiondef", f.oid(), f.kind() + " " + f.name());
      if (definition != null) {
        out.add(new SchemaObject(f.kind(), f.name(), null, definition));
      }
    }
    return out;
  }

  private List<SchemaObject> tables(Map<Long, List<Column>> columns) throws SQLException {
    Map<Long, List<String>> parents = new HashMap<>();
    Map<Long, String> parentNames = new HashMap<>();
    query(
        "SELECT i.inhrelid, pn.nspname, pc.relname FROM pg_catalog.pg_inherits i"
            + " JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent"
            + " JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace"
            + " JOIN pg_catalog.pg_class cc ON cc.oid = i.inhrelid"
            + " WHERE cc.relkind IN ('r', 'p') ORDER BY i.inhrelid, i.inhseqno",
        r -> {
          parents
              .computeIfAbsent(r.getLong(1), k -> new ArrayList<>())
              .add(q(r.getString(2)) + "." + q(r.getString(3)));
          parentNames.putIfAbsent(r.getLong(1), qualified(r.getString(2), r.getString(3)));
        });
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.relispartition,"
            + " pt.partstrat, pt.partexprs IS NULL,"
            + " CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, 0) END,"
            + " CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END,"
            + " c.relrowsecurity, c.relforcerowsecurity, c.relreplident"
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid"
            + " WHERE c.relkind IN ('r', 'p') AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " ORDER BY c.relispartition, c.oid",
        r -> {
          long oid = r.getLong(1);
          String name = qualified(r.getString(2), r.getString(3));
          String head =
              "CREATE "
                  + ("u".equals(r.getString(5)) ? "UNLOGGED " : "")
                  + "TABLE "
                  + q(r.getString(2))
                  + "."
                  + q(r.getString(3));
          List<String> inherits = parents.getOrDefault(oid, List.of());
          String table = null;
          // a partition or a typed table is made whole; otherwise its own columns, listed
          String whole = null;
          List<Column> own = new ArrayList<>();
          if (r.getBoolean(6)) {
            whole = " PARTITION OF " + inherits.get(0) + " " + r.getString(9);
            table = parentNames.get(oid);
          } else if (r.getString(10) != null) {
            // a typed table: its columns are the type's, with their own options
            List<String> options = new ArrayList<>();
            for (Column c : columns.getOrDefault(oid, List.of())) {
              if (!c.options().isEmpty()) {
                options.add(q(c.name()) + " WITH OPTIONS" + c.options());
              }
            }
            whole =
                " OF "
                    + r.getString(10)
                    + (options.isEmpty() ? "" : " (" + String.join(", ", options) + ")");
          } else {
            for (Column c : columns.getOrDefault(oid, List.of())) {
              if (c.local() || inherits.isEmpty()) {
                own.add(c);
              }
            }
          }
          String partitionBy = "";
          if ("p".equals(r.getString(4))) {
            String key =
                r.getBoolean(8)
                    ? partitionKey(oid, r.getString(7))
                    : deparseWith("pg_get_partkeydef", oid, "table " + name);
            if (key == null) {
              return; // listed by deparse
            }
            partitionBy = " PARTITION BY " + key;
          }
          String inherit =
              inherits.isEmpty() ? "" : " INHERITS (" + String.join(", ", inherits) + ")";
          String made = whole;
          String by = partitionBy;
          java.util.function.Function<Boolean, String> create =
              withDefaults ->
                  head
                      + (made != null
                          ? made
                          : " ("
                              + String.join(
                                  ", ", own.stream().map(c -> c.sql(true, withDefaults)).toList())
                              + ")"
                              + inherit)
                      + by;
          List<Column> defaults =
              whole != null ? List.of() : own.stream().filter(Column::hasPlainDefault).toList();
          String alter = "ALTER TABLE " + q(r.getString(2)) + "." + q(r.getString(3));
          List<String> settings = new ArrayList<>();
          if (r.getBoolean(11)) {
            settings.add(alter + " ENABLE ROW LEVEL SECURITY");
          }
          if (r.getBoolean(12)) {
            settings.add(alter + " FORCE ROW LEVEL SECURITY");
          }
          if ("f".equals(r.getString(13)) || "n".equals(r.getString(13))) {
            // USING INDEX is set once the index exists (indexRoles)
            settings.add(
                alter + " REPLICA IDENTITY " + ("f".equals(r.getString(13)) ? "FULL" : "NOTHING"));
          }
          List<String> statements = new ArrayList<>();
          statements.add(create.apply(true));
          statements.addAll(settings);
          // A default the scratch server cannot create (a function it lacks) should not cost the
          // copy the whole table: without them, the table is created, each default set on its own.
          List<SchemaObject> fallback = new ArrayList<>();
          if (!defaults.isEmpty()) {
            List<String> bare = new ArrayList<>();
            bare.add(create.apply(false));
            bare.addAll(settings);
            fallback.add(new SchemaObject("table", name, table, bare));
            for (Column c : defaults) {
              fallback.add(
                  new SchemaObject(
                      "default of column",
                      name + "." + SqlIdentifiers.quoteIfNeeded(c.name()),
                      name,
                      alter
                          + " ALTER COLUMN "
                          + q(c.name())
                          + " SET DEFAULT "
                          + c.defaultExpression()));
            }
          }
          out.add(new SchemaObject("table", name, table, statements, fallback));
        });
    return out;
  }

  private List<SchemaObject> sequenceOwners() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname, sc.relname, tn.nspname, tc.relname, a.attname"
            + " FROM pg_catalog.pg_depend d"
            + " JOIN pg_catalog.pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = sc.relnamespace"
            + " JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid"
            + " JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid"
            + "  AND a.attnum = d.refobjsubid"
            + " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
            + " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
            + " AND d.deptype = 'a' AND d.refobjsubid > 0 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "sc.oid")
            + " ORDER BY sc.oid",
        r ->
            out.add(
                new SchemaObject(
                    "sequence owner",
                    qualified(r.getString(1), r.getString(2)),
                    qualified(r.getString(3), r.getString(4)),
                    "ALTER SEQUENCE "
                        + q(r.getString(1))
                        + "."
                        + q(r.getString(2))
                        + " OWNED BY "
                        + q(r.getString(3))
                        + "."
                        + q(r.getString(4))
                        + "."
                        + q(r.getString(5)))));
    return out;
  }

  /**
   * Table constraints. Primary keys, unique and exclusion constraints are added to each table alone
   * ({@code ONLY}) and their indexes attached to the partitioned parent's afterwards, as on the
   * target; check constraints and foreign keys are added where they were defined and reach
   * inheriting tables and partitions from there.
   */
  private List<SchemaObject> constraints(boolean foreignKeys) throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname, c.relname, con.conname, con.contype,"
            + " CASE WHEN con.contype IN ('p', 'u', 'f')"
            + "  THEN pg_catalog.pg_get_constraintdef(con.oid) END, con.oid,"
            + " con.contype = 'x' AND i.indexprs IS NULL AND i.indpred IS NULL, am.amname,"
            + " pg_catalog.array_to_string(ic.reloptions, ', '), con.condeferrable,"
            + " con.condeferred, con.conindid,"
            + " (SELECT pg_catalog.array_agg(opn.nspname ORDER BY x.i)"
            + "  FROM unnest(con.conexclop) WITH ORDINALITY AS x(op, i)"
            + "  JOIN pg_catalog.pg_operator o ON o.oid = x.op"
            + "  JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace),"
            + " (SELECT pg_catalog.array_agg(o.oprname ORDER BY x.i)"
            + "  FROM unnest(con.conexclop) WITH ORDINALITY AS x(op, i)"
            + "  JOIN pg_catalog.pg_operator o ON o.oid = x.op)"
            + " FROM pg_catalog.pg_constraint con"
            + " JOIN pg_catalog.pg_class c ON c.oid = con.conrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid"
            + " LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid"
            + " LEFT JOIN pg_catalog.pg_am am ON am.oid = ic.relam"
            + " WHERE c.relkind IN ('r', 'p') AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + (foreignKeys
                ? " AND con.contype = 'f' AND con.conparentid = 0"
                : " AND (con.contype IN ('p', 'u', 'x')"
                    + "  OR (con.contype = 'c' AND con.conislocal AND con.coninhcount = 0))")
            + " ORDER BY c.relispartition, con.contype <> 'p', con.oid",
        r -> {
          String table = qualified(r.getString(1), r.getString(2));
          String type = r.getString(4);
          String kind = foreignKeys ? "foreign key" : "constraint";
          // check and exclusion constraints hold expressions the server deparses only under
          // ACCESS SHARE on the table
          String definition =
              r.getString(5) != null
                  ? r.getString(5)
                  : r.getBoolean(7)
                      ? exclusion(r)
                      : deparseWith(
                          "pg_get_constraintdef",
                          r.getLong(6),
                          kind + " " + table + "." + r.getString(3));
          if (definition == null) {
            return;
          }
          out.add(
              new SchemaObject(
                  kind,
                  table + "." + r.getString(3),
                  table,
                  "ALTER TABLE "
                      + ("c".equals(type) || "f".equals(type) ? "" : "ONLY ")
                      + q(r.getString(1))
                      + "."
                      + q(r.getString(2))
                      + " ADD CONSTRAINT "
                      + q(r.getString(3))
                      + " "
                      + definition));
        });
    return out;
  }

  /** An exclusion constraint on plain columns, from the catalogs. */
  private String exclusion(ResultSet r) throws SQLException {
    List<String> columns = keys.getOrDefault(r.getLong(12), List.of());
    Object[] schemas = (Object[]) r.getArray(13).getArray();
    Object[] operators = (Object[]) r.getArray(14).getArray();
    List<String> elements = new ArrayList<>();
    for (int i = 0; i < columns.size() && i < operators.length; i++) {
      elements.add(
          columns.get(i) + " WITH OPERATOR(" + q((String) schemas[i]) + "." + operators[i] + ")");
    }
    StringBuilder sql =
        new StringBuilder("EXCLUDE USING ")
            .append(q(r.getString(8)))
            .append(" (")
            .append(String.join(", ", elements))
            .append(')');
    List<String> include = included.getOrDefault(r.getLong(12), List.of());
    if (!include.isEmpty()) {
      sql.append(" INCLUDE (").append(String.join(", ", include)).append(')');
    }
    if (r.getString(9) != null && !r.getString(9).isEmpty()) {
      sql.append(" WITH (").append(r.getString(9)).append(')');
    }
    if (r.getBoolean(10)) {
      sql.append(r.getBoolean(11) ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
    }
    return sql.toString();
  }

  private List<SchemaObject> views() throws SQLException {
    record View(
        long oid,
        String schema,
        String name,
        boolean materialized,
        String options,
        boolean populated) {}
    List<View> found = new ArrayList<>();
    query(
        "SELECT c.oid, n.nspname, c.relname, c.relkind,"
            + " pg_catalog.array_to_string(c.reloptions, ', '), c.relispopulated"
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('v', 'm') AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " ORDER BY c.oid",
        r ->
            found.add(
                new View(
                    r.getLong(1),
                    r.getString(2),
                    r.getString(3),
                    "m".equals(r.getString(4)),
                    r.getString(5),
                    r.getBoolean(6))));
    List<SchemaObject> out = new ArrayList<>();
    for (View v : found) {
      String kind = v.materialized() ? "materialized view" : "view";
      String name = qualified(v.schema(), v.name());
      String definition = deparseWith("pg_get_viewdef", v.oid(), kind + " " + name);
      if (definition == null) {
        continue;
      }
      definition = definition.strip();
      if (definition.endsWith(";")) {
        definition = definition.substring(0, definition.length() - 1);
      }
      String options =
          v.options() == null || v.options().isEmpty() ? "" : " WITH (" + v.options() + ")";
      out.add(
          new SchemaObject(
              kind,
              name,
              null,
              "CREATE "
                  + (v.materialized() ? "MATERIALIZED " : "")
                  + "VIEW "
                  + q(v.schema())
                  + "."
                  + q(v.name())
                  + options
                  + " AS "
                  + definition
                  // populated as on the target (from the copy's empty tables), so that a
                  // REFRESH ... CONCURRENTLY or a query of it runs as it would there
                  + (v.materialized() && !v.populated() ? " WITH NO DATA" : "")));
    }
    return out;
  }

  /**
   * The key and included columns of every index on plain columns, written as in {@code CREATE
   * INDEX}: name, collation when not the column's, operator class, order.
   */
  private void readIndexColumns() throws SQLException {
    query(
        "SELECT i.indexrelid, a.attname, ocn.nspname, oc.opcname, k.opt,"
            + " CASE WHEN k.coll <> 0 AND k.coll <> a.attcollation THEN cn.nspname END,"
            + " co.collname, k.i > i.indnkeyatts"
            + " FROM pg_catalog.pg_index i"
            + " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace"
            + " CROSS JOIN LATERAL unnest(i.indkey::pg_catalog.int2[],"
            + "  i.indclass::pg_catalog.oid[], i.indcollation::pg_catalog.oid[],"
            + "  i.indoption::pg_catalog.int2[]) WITH ORDINALITY AS k(att, cls, coll, opt, i)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att"
            + " LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = k.cls"
            + " LEFT JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace"
            + " LEFT JOIN pg_catalog.pg_collation co ON co.oid = k.coll"
            + " LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
            + " WHERE i.indexprs IS NULL AND i.indpred IS NULL AND "
            + USER_SCHEMA
            + " ORDER BY i.indexrelid, k.i",
        r -> {
          if (r.getBoolean(8)) {
            included.computeIfAbsent(r.getLong(1), k -> new ArrayList<>()).add(q(r.getString(2)));
            return;
          }
          StringBuilder column = new StringBuilder(q(r.getString(2)));
          if (r.getString(6) != null) {
            column
                .append(" COLLATE ")
                .append(q(r.getString(6)))
                .append('.')
                .append(q(r.getString(7)));
          }
          if (r.getString(4) != null) {
            column.append(' ').append(q(r.getString(3))).append('.').append(q(r.getString(4)));
          }
          int option = r.getInt(5);
          boolean descending = (option & 1) != 0;
          boolean nullsFirst = (option & 2) != 0;
          if (descending) {
            column.append(" DESC");
          }
          if (nullsFirst != descending) {
            column.append(nullsFirst ? " NULLS FIRST" : " NULLS LAST");
          }
          keys.computeIfAbsent(r.getLong(1), k -> new ArrayList<>()).add(column.toString());
        });
  }

  /**
   * Indexes that back no constraint. Those on plain columns are written from the catalogs; those
   * with expressions or a predicate are deparsed by the server, which takes ACCESS SHARE on the
   * table for it.
   */
  private List<SchemaObject> indexes() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT i.indexrelid, n.nspname, ic.relname, tn.nspname, tc.relname, i.indisvalid,"
            + " i.indexprs IS NULL AND i.indpred IS NULL, i.indisunique, i.indnullsnotdistinct,"
            + " tc.relkind, am.amname, pg_catalog.array_to_string(ic.reloptions, ', ')"
            + " FROM pg_catalog.pg_index i"
            + " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
            + " JOIN pg_catalog.pg_am am ON am.oid = ic.relam"
            + " JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid"
            + " JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace"
            + " WHERE tc.relkind IN ('r', 'p', 'm') AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "tc.oid")
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con"
            + "  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid"
            + "  AND con.contype IN ('p', 'u', 'x'))"
            + " ORDER BY tc.relispartition, i.indexrelid",
        r -> {
          long oid = r.getLong(1);
          String name = qualified(r.getString(2), r.getString(3));
          if (!r.getBoolean(6)) {
            notCopied.add("index " + name + " (invalid)");
            return;
          }
          String definition;
          if (r.getBoolean(7)) {
            StringBuilder sql =
                new StringBuilder("CREATE ")
                    .append(r.getBoolean(8) ? "UNIQUE " : "")
                    .append("INDEX ")
                    .append(q(r.getString(3)))
                    .append(" ON ")
                    .append("p".equals(r.getString(10)) ? "ONLY " : "")
                    .append(q(r.getString(4)))
                    .append('.')
                    .append(q(r.getString(5)))
                    .append(" USING ")
                    .append(q(r.getString(11)))
                    .append(" (")
                    .append(String.join(", ", keys.getOrDefault(oid, List.of())))
                    .append(')');
            List<String> include = included.getOrDefault(oid, List.of());
            if (!include.isEmpty()) {
              sql.append(" INCLUDE (").append(String.join(", ", include)).append(')');
            }
            if (r.getBoolean(9)) {
              sql.append(" NULLS NOT DISTINCT");
            }
            if (r.getString(12) != null && !r.getString(12).isEmpty()) {
              sql.append(" WITH (").append(r.getString(12)).append(')');
            }
            definition = sql.toString();
          } else {
            definition = deparseWith("pg_get_indexdef", oid, "index " + name);
            if (definition == null) {
              return;
            }
          }
          out.add(
              new SchemaObject(
                  "index", name, qualified(r.getString(4), r.getString(5)), definition));
        });
    return out;
  }

  /** A partition key of plain columns, from the catalogs: e.g. {@code RANGE ("at" ...)}. */
  private String partitionKey(long table, String strategy) throws SQLException {
    List<String> columns = new ArrayList<>();
    query(
        "SELECT a.attname, ocn.nspname, oc.opcname,"
            + " CASE WHEN k.coll <> 0 AND k.coll <> a.attcollation THEN cn.nspname END,"
            + " co.collname"
            + " FROM pg_catalog.pg_partitioned_table pt"
            + " CROSS JOIN LATERAL unnest(pt.partattrs::pg_catalog.int2[],"
            + "  pt.partclass::pg_catalog.oid[], pt.partcollation::pg_catalog.oid[])"
            + "  WITH ORDINALITY AS k(att, cls, coll, i)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = k.att"
            + " JOIN pg_catalog.pg_opclass oc ON oc.oid = k.cls"
            + " JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace"
            + " LEFT JOIN pg_catalog.pg_collation co ON co.oid = k.coll"
            + " LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
            + " WHERE pt.partrelid = "
            + table
            + " ORDER BY k.i",
        r -> {
          StringBuilder column = new StringBuilder(q(r.getString(1)));
          if (r.getString(4) != null) {
            column
                .append(" COLLATE ")
                .append(q(r.getString(4)))
                .append('.')
                .append(q(r.getString(5)));
          }
          column.append(' ').append(q(r.getString(2))).append('.').append(q(r.getString(3)));
          columns.add(column.toString());
        });
    String method =
        switch (strategy) {
          case "h" -> "HASH";
          case "l" -> "LIST";
          default -> "RANGE";
        };
    return method + " (" + String.join(", ", columns) + ")";
  }

  /** Indexes of partitions attached to their partitioned table's index, as on the target. */
  private List<SchemaObject> indexAttachments() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT pn.nspname, pc.relname, n.nspname, cc.relname, tn.nspname, tc.relname"
            + " FROM pg_catalog.pg_inherits h"
            + " JOIN pg_catalog.pg_class cc ON cc.oid = h.inhrelid AND cc.relkind IN ('i', 'I')"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = cc.relnamespace"
            + " JOIN pg_catalog.pg_class pc ON pc.oid = h.inhparent"
            + " JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace"
            + " JOIN pg_catalog.pg_index ci ON ci.indexrelid = cc.oid AND ci.indisvalid"
            + " JOIN pg_catalog.pg_index pi ON pi.indexrelid = pc.oid AND pi.indisvalid"
            + " JOIN pg_catalog.pg_class tc ON tc.oid = ci.indrelid"
            + " JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace"
            + " WHERE "
            + USER_SCHEMA
            + " ORDER BY tc.relispartition, cc.oid",
        r ->
            out.add(
                new SchemaObject(
                    "index attachment",
                    qualified(r.getString(3), r.getString(4)),
                    qualified(r.getString(5), r.getString(6)),
                    "ALTER INDEX "
                        + q(r.getString(1))
                        + "."
                        + q(r.getString(2))
                        + " ATTACH PARTITION "
                        + q(r.getString(3))
                        + "."
                        + q(r.getString(4)))));
    return out;
  }

  private List<SchemaObject> triggers() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname, c.relname, t.tgname,"
            + " CASE WHEN t.tgqual IS NULL THEN pg_catalog.pg_get_triggerdef(t.oid) END,"
            + " t.tgenabled, t.oid"
            + " FROM pg_catalog.pg_trigger t"
            + " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " ORDER BY t.oid",
        r -> {
          String table = qualified(r.getString(1), r.getString(2));
          String name = table + "." + r.getString(3);
          // a WHEN condition is deparsed only under ACCESS SHARE on the table
          String definition =
              r.getString(4) != null
                  ? r.getString(4)
                  : deparseWith("pg_get_triggerdef", r.getLong(6), "trigger " + name);
          if (definition == null) {
            return;
          }
          List<String> statements = new ArrayList<>();
          statements.add(definition);
          String enable =
              switch (r.getString(5)) {
                case "D" -> "DISABLE TRIGGER ";
                case "R" -> "ENABLE REPLICA TRIGGER ";
                case "A" -> "ENABLE ALWAYS TRIGGER ";
                default -> null;
              };
          if (enable != null) {
            statements.add(
                "ALTER TABLE "
                    + q(r.getString(1))
                    + "."
                    + q(r.getString(2))
                    + " "
                    + enable
                    + q(r.getString(3)));
          }
          out.add(new SchemaObject("trigger", name, table, statements));
        });
    return out;
  }

  private List<SchemaObject> rules() throws SQLException {
    record Rule(long oid, String table, String name) {}
    List<Rule> found = new ArrayList<>();
    query(
        "SELECT r.oid, n.nspname, c.relname, r.rulename FROM pg_catalog.pg_rewrite r"
            + " JOIN pg_catalog.pg_class c ON c.oid = r.ev_class"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE r.rulename <> '_RETURN' AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " ORDER BY r.oid",
        r ->
            found.add(
                new Rule(r.getLong(1), qualified(r.getString(2), r.getString(3)), r.getString(4))));
    List<SchemaObject> out = new ArrayList<>();
    for (Rule rule : found) {
      String name = rule.table() + "." + rule.name();
      String definition = deparseWith("pg_get_ruledef", rule.oid(), "rule " + name);
      if (definition != null) {
        out.add(new SchemaObject("rule", name, rule.table(), definition));
      }
    }
    return out;
  }

  /**
   * Which of the less common kinds of objects the database has at all, in one cheap read (each
   * through an oid index from 16384, where the user's objects start), so that a schema without them
   * costs the target one statement instead of one per kind.
   */
  private Set<String> present() throws SQLException {
    Set<String> present = new HashSet<>();
    query(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_ts_dict WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config WHERE oid >= 16384),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_index WHERE indexrelid >= 16384"
            + "  AND (indisclustered OR indisreplident)),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_statistic_ext),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_policy),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_operator WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_opclass WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_ts_parser WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_ts_template WHERE oid >= 16384)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid >= 16384 AND relkind = 'f')"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_publication)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger)",
        r -> {
          List<String> kinds =
              List.of("text search", "index roles", "statistics", "policies", "not reproduced");
          for (int i = 0; i < kinds.size(); i++) {
            if (r.getBoolean(i + 1)) {
              present.add(kinds.get(i));
            }
          }
        });
    return present;
  }

  /**
   * Lists the user's objects of kinds the copy does not reproduce, so that a statement that fails
   * on the copy for want of one can be told from one that would fail on the target.
   */
  private void listNotReproduced() throws SQLException {
    query(
        "SELECT 'collation ' || n.nspname || '.' || c.collname"
            + " FROM pg_catalog.pg_collation c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace WHERE c.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_collation", "c.oid")
            + " UNION ALL SELECT 'operator ' || n.nspname || '.' || o.oprname || '('"
            + " || COALESCE(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', '"
            + " || pg_catalog.format_type(o.oprright, NULL) || ')'"
            + " FROM pg_catalog.pg_operator o"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_operator", "o.oid")
            + " UNION ALL SELECT 'operator class ' || n.nspname || '.' || c.opcname"
            + " FROM pg_catalog.pg_opclass c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace WHERE c.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_opclass", "c.oid")
            + " UNION ALL SELECT 'cast (' || pg_catalog.format_type(c.castsource, NULL) || ' AS '"
            + " || pg_catalog.format_type(c.casttarget, NULL) || ')' FROM pg_catalog.pg_cast c"
            // user-made, not a range type's own cast to its multirange (an internal dependency)
            + " WHERE c.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x"
            + "  WHERE x.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND x.objid = c.oid"
            + "  AND x.deptype IN ('e', 'i'))"
            + " UNION ALL SELECT 'text search parser ' || n.nspname || '.' || p.prsname"
            + " FROM pg_catalog.pg_ts_parser p"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace WHERE p.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_ts_parser", "p.oid")
            + " UNION ALL SELECT 'text search template ' || n.nspname || '.' || t.tmplname"
            + " FROM pg_catalog.pg_ts_template t"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace WHERE t.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_ts_template", "t.oid")
            + " UNION ALL SELECT 'foreign table ' || n.nspname || '.' || c.relname"
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384 AND c.relkind = 'f'"
            + " AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " UNION ALL SELECT 'publication ' || p.pubname FROM pg_catalog.pg_publication p"
            + " UNION ALL SELECT 'event trigger ' || e.evtname FROM pg_catalog.pg_event_trigger e"
            + " WHERE "
            + notExtensionMember("pg_event_trigger", "e.oid")
            + " ORDER BY 1",
        r -> notCopied.add(r.getString(1)));
  }

  /** The index a table is clustered on, and the index that is its replica identity. */
  private List<SchemaObject> indexRoles() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname, ic.relname, tn.nspname, tc.relname, i.indisclustered,"
            + " i.indisreplident"
            + " FROM pg_catalog.pg_index i"
            + " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace"
            + " JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid"
            + " JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace"
            + " WHERE i.indexrelid >= 16384"
            + " AND (i.indisclustered OR (i.indisreplident AND tc.relreplident = 'i')) AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "tc.oid")
            + " ORDER BY i.indexrelid",
        r -> {
          String table = qualified(r.getString(3), r.getString(4));
          String alter = "ALTER TABLE " + q(r.getString(3)) + "." + q(r.getString(4));
          List<String> statements = new ArrayList<>();
          if (r.getBoolean(5)) {
            statements.add(alter + " CLUSTER ON " + q(r.getString(2)));
          }
          if (r.getBoolean(6)) {
            statements.add(alter + " REPLICA IDENTITY USING INDEX " + q(r.getString(2)));
          }
          out.add(
              new SchemaObject(
                  "index", qualified(r.getString(1), r.getString(2)), table, statements));
        });
    return out;
  }

  /** Extended statistics ({@code CREATE STATISTICS}). */
  private List<SchemaObject> statistics() throws SQLException {
    record Statistics(long oid, String name, String table) {}
    List<Statistics> found = new ArrayList<>();
    query(
        "SELECT s.oid, n.nspname, s.stxname, tn.nspname, tc.relname"
            + " FROM pg_catalog.pg_statistic_ext s"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace"
            + " JOIN pg_catalog.pg_class tc ON tc.oid = s.stxrelid"
            + " JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace"
            + " WHERE "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_statistic_ext", "s.oid")
            + " ORDER BY s.oid",
        r ->
            found.add(
                new Statistics(
                    r.getLong(1),
                    qualified(r.getString(2), r.getString(3)),
                    qualified(r.getString(4), r.getString(5)))));
    List<SchemaObject> out = new ArrayList<>();
    for (Statistics st : found) {
      // expressions refer to the table's columns: deparsed as the other expressions are
      String definition =
          deparseWith("pg_get_statisticsobjdef", st.oid(), "statistics " + st.name());
      if (definition != null) {
        out.add(new SchemaObject("statistics", st.name(), st.table(), definition));
      }
    }
    return out;
  }

  /** Row security policies; their expressions are deparsed as the other expressions are. */
  private List<SchemaObject> policies() throws SQLException {
    record Policy(long oid, String name, String table) {}
    List<Policy> found = new ArrayList<>();
    query(
        "SELECT p.oid, n.nspname, c.relname, p.polname FROM pg_catalog.pg_policy p"
            + " JOIN pg_catalog.pg_class c ON c.oid = p.polrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_class", "c.oid")
            + " ORDER BY p.oid",
        r -> {
          String table = qualified(r.getString(2), r.getString(3));
          found.add(new Policy(r.getLong(1), table + "." + r.getString(4), table));
        });
    List<SchemaObject> out = new ArrayList<>();
    for (Policy policy : found) {
      String definition =
          deparse(
              "SELECT 'CREATE POLICY ' || pg_catalog.quote_ident(p.polname)"
                  + " || ' ON ' || pg_catalog.quote_ident(n.nspname)"
                  + " || '.' || pg_catalog.quote_ident(c.relname)"
                  + " || CASE WHEN p.polpermissive THEN ' AS PERMISSIVE' ELSE ' AS RESTRICTIVE' END"
                  + " || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'"
                  + "  WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END"
                  + " || ' TO ' || (SELECT pg_catalog.string_agg(CASE WHEN r.role = 0"
                  + "  THEN 'PUBLIC' ELSE pg_catalog.quote_ident(a.rolname) END, ', ')"
                  + "  FROM pg_catalog.unnest(p.polroles) AS r(role)"
                  + "  LEFT JOIN pg_catalog.pg_roles a ON a.oid = r.role)"
                  + " || COALESCE(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid)"
                  + "  || ')', '')"
                  + " || COALESCE(' WITH CHECK ('"
                  + "  || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')"
                  + " FROM pg_catalog.pg_policy p"
                  + " JOIN pg_catalog.pg_class c ON c.oid = p.polrelid"
                  + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE p.oid = ?",
              policy.oid(),
              "policy " + policy.name());
      if (definition != null) {
        out.add(new SchemaObject("policy", policy.name(), policy.table(), definition));
      }
    }
    return out;
  }

  /**
   * Text search dictionaries (on the templates there are) and configurations (on the parsers there
   * are) with their token mappings, before the tables whose defaults or generated columns name
   * them.
   */
  private List<SchemaObject> textSearch() throws SQLException {
    List<SchemaObject> out = new ArrayList<>();
    query(
        "SELECT n.nspname, d.dictname, tn.nspname, t.tmplname, d.dictinitoption"
            + " FROM pg_catalog.pg_ts_dict d"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace"
            + " JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate"
            + " JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace"
            + " WHERE d.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_ts_dict", "d.oid")
            + " ORDER BY d.oid",
        r ->
            out.add(
                new SchemaObject(
                    "text search dictionary",
                    qualified(r.getString(1), r.getString(2)),
                    null,
                    "CREATE TEXT SEARCH DICTIONARY "
                        + q(r.getString(1))
                        + "."
                        + q(r.getString(2))
                        + " (TEMPLATE = "
                        + q(r.getString(3))
                        + "."
                        + q(r.getString(4))
                        + (r.getString(5) == null ? "" : ", " + r.getString(5))
                        + ")")));
    Map<String, List<String>> configurations = new LinkedHashMap<>();
    query(
        "SELECT n.nspname, c.cfgname, pn.nspname, p.prsname, m.alias, m.dictionaries"
            + " FROM pg_catalog.pg_ts_config c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace"
            + " JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser"
            + " JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace"
            + " LEFT JOIN LATERAL (SELECT t.alias, pg_catalog.string_agg("
            + "  pg_catalog.quote_ident(dn.nspname) || '.' || pg_catalog.quote_ident(d.dictname),"
            + "  ', ' ORDER BY cm.mapseqno) AS dictionaries"
            + "  FROM pg_catalog.pg_ts_config_map cm"
            + "  JOIN pg_catalog.ts_token_type(c.cfgparser) t ON t.tokid = cm.maptokentype"
            + "  JOIN pg_catalog.pg_ts_dict d ON d.oid = cm.mapdict"
            + "  JOIN pg_catalog.pg_namespace dn ON dn.oid = d.dictnamespace"
            + "  WHERE cm.mapcfg = c.oid GROUP BY t.alias) m ON true"
            + " WHERE c.oid >= 16384 AND "
            + USER_SCHEMA
            + " AND "
            + notExtensionMember("pg_ts_config", "c.oid")
            + " ORDER BY c.oid, m.alias",
        r -> {
          String name = q(r.getString(1)) + "." + q(r.getString(2));
          List<String> statements =
              configurations.computeIfAbsent(
                  qualified(r.getString(1), r.getString(2)), k -> new ArrayList<>());
          if (statements.isEmpty()) {
            statements.add(
                "CREATE TEXT SEARCH CONFIGURATION "
                    + name
                    + " (PARSER = "
                    + q(r.getString(3))
                    + "."
                    + q(r.getString(4))
                    + ")");
          }
          if (r.getString(5) != null) {
            statements.add(
                "ALTER TEXT SEARCH CONFIGURATION "
                    + name
                    + " ADD MAPPING FOR "
                    + q(r.getString(5))
                    + " WITH "
                    + r.getString(6));
          }
        });
    configurations.forEach(
        (name, statements) ->
            out.add(new SchemaObject("text search configuration", name, null, statements)));
    return out;
  }

  /**
   * Calls a deparsing function that may take ACCESS SHARE on the relations of a query, in a
   * savepoint rolled back at once (which releases such locks) and under the session's short {@code
   * lock_timeout}. Returns null, listing {@code label} as not copied, when it cannot.
   */
  private String deparseWith(String function, long oid, String label) throws SQLException {
    return deparse("SELECT pg_catalog." + function + "(?::pg_catalog.oid)", oid, label);
  }

  /**
   * {@link #deparseWith(String, long, String)} with a query taking the oid as its one parameter.
   */
  private String deparse(String sql, long oid, String label) throws SQLException {
    execute("SAVEPOINT pitstop_deparse");
    try (PreparedStatement statement = target.prepareStatement(sql)) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        return row.next() ? row.getString(1) : null;
      }
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (state.startsWith("08") || state.startsWith("57")) {
        throw e; // the session is gone or the copy was cancelled
      }
      skipped.add(nameIn(label));
      notCopied.add(
          label
              + (SqlState.LOCK_NOT_AVAILABLE.equals(state)
                  ? " (a table it uses is locked on the target)"
                  : ""));
      return null;
    } finally {
      execute("ROLLBACK TO SAVEPOINT pitstop_deparse");
      execute("RELEASE SAVEPOINT pitstop_deparse");
    }
  }

  /** The object's name in a label "kind name" (a name may hold spaces, a kind does too). */
  private static String nameIn(String label) {
    for (String kind : KINDS) {
      if (label.startsWith(kind + " ")) {
        return label.substring(kind.length() + 1);
      }
    }
    return label;
  }

  private static String sequenceOptions(
      long start, long increment, long min, long max, long cache, boolean cycle) {
    return "INCREMENT BY "
        + increment
        + " MINVALUE "
        + min
        + " MAXVALUE "
        + max
        + " START WITH "
        + start
        + " CACHE "
        + cache
        + (cycle ? " CYCLE" : " NO CYCLE");
  }

  private static String notExtensionMember(String catalog, String oid) {
    return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x"
        + " WHERE x.classid = 'pg_catalog."
        + catalog
        + "'::pg_catalog.regclass AND x.objid = "
        + oid
        + " AND x.deptype = 'e')";
  }

  private interface RowHandler {
    void row(ResultSet row) throws SQLException;
  }

  /**
   * Prepared, not plain: the driver keeps the statement prepared on a session that runs it again (a
   * pooled session planning again), and the server then reuses its plan; planning these catalog
   * joins is most of what a read costs the target's server.
   */
  private void query(String sql, RowHandler handler) throws SQLException {
    try (PreparedStatement statement = target.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        handler.row(rows);
      }
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = target.createStatement()) {
      statement.execute(sql);
    }
  }

  /**
   * {@code schema.name} as shown to users: each part as it is when it reads back as the same name
   * unquoted, else quoted ({@code public.orders}, {@code "x.y".z}, {@code app."Order Items"}), so
   * two relations never show alike. Also the key of a table's sizes.
   */
  static String qualified(String schema, String name) {
    return SqlIdentifiers.quoteIfNeeded(schema) + "." + SqlIdentifiers.quoteIfNeeded(name);
  }

  private static String q(String name) {
    return SqlIdentifiers.quote(name);
  }
}
