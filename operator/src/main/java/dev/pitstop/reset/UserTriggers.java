package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The user triggers of the emptied tables (partitions included), and for {@link
 * TriggerMode#DISABLE} which of them must be switched off with {@code ALTER TABLE ... DISABLE
 * TRIGGER}: those that would still fire for a statement of the reset. A statement run with {@code
 * session_replication_role = replica} skips triggers enabled for origin ({@code ENABLE TRIGGER},
 * the default) but fires {@code ENABLE REPLICA} and {@code ENABLE ALWAYS} ones; a statement run
 * normally fires origin and always triggers.
 */
final class UserTriggers {
  /** tgtype bits of the events a reset's statements fire. */
  static final int DELETE = 8;

  static final int UPDATE = 16;
  static final int TRUNCATE = 32;

  /**
   * A user trigger.
   *
   * @param table oid of the emptied table it fires for (the partitioned table for a partition's)
   * @param relation the relation it is defined on (the table or one of its partitions)
   * @param name its name
   * @param enabled {@code O} (origin, the default), {@code R} (replica) or {@code A} (always)
   * @param type pg_trigger.tgtype
   * @param mayAlter whether the current role may ALTER the relation (it owns it, or a superuser)
   */
  record Trigger(
      long table, QualifiedName relation, String name, char enabled, int type, boolean mayAlter) {

    boolean on(int event) {
      return (type & event) != 0;
    }

    /** Whether it fires in the given mode. */
    boolean fires(boolean replica) {
      return enabled == 'A' || (replica ? enabled == 'R' : enabled == 'O');
    }

    String disable() {
      return "ALTER TABLE ONLY "
          + relation.sql()
          + " DISABLE TRIGGER "
          + SqlIdentifiers.quote(name);
    }

    /** Enables it again as it was. */
    String enable() {
      String how =
          switch (enabled) {
            case 'R' -> " ENABLE REPLICA TRIGGER ";
            case 'A' -> " ENABLE ALWAYS TRIGGER ";
            default -> " ENABLE TRIGGER ";
          };
      return "ALTER TABLE ONLY " + relation.sql() + how + SqlIdentifiers.quote(name);
    }

    String describe() {
      return name
          + " on "
          + relation
          + " ("
          + switch (enabled) {
            case 'R' -> "ENABLE REPLICA";
            case 'A' -> "ENABLE ALWAYS";
            default -> "enabled";
          }
          + ")";
    }
  }

  /**
   * What the run does about triggers.
   *
   * @param disabled triggers disabled with ALTER TABLE for the emptying, enabled again after it
   * @param replicaUpdates nullable foreign keys whose NULL-setting UPDATE runs in replica mode
   */
  record Handling(List<Trigger> disabled, Set<ForeignKey> replicaUpdates) {
    static Handling none() {
      return new Handling(List.of(), Set.of());
    }
  }

  private final List<Trigger> triggers;

  private UserTriggers(List<Trigger> triggers) {
    this.triggers = triggers;
  }

  /** Reads the enabled user triggers of {@code tables} and of their partitions. */
  static UserTriggers read(Connection connection, Set<Long> tables) throws SQLException {
    List<Trigger> found = new ArrayList<>();
    if (tables.isEmpty()) {
      return new UserTriggers(found);
    }
    Array oids = connection.createArrayOf("int8", tables.toArray());
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT coalesce(pg_partition_root(t.tgrelid), t.tgrelid)::oid::bigint, n.nspname,"
                + " c.relname, t.tgname, t.tgenabled, t.tgtype,"
                + " pg_has_role(c.relowner, 'USAGE')"
                + " FROM pg_catalog.pg_trigger t"
                + " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
                + " AND coalesce(pg_partition_root(t.tgrelid), t.tgrelid)::oid::bigint = ANY (?)"
                + " ORDER BY n.nspname, c.relname, t.tgname")) {
      statement.setArray(1, oids);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          found.add(
              new Trigger(
                  rows.getLong(1),
                  new QualifiedName(rows.getString(2), rows.getString(3)),
                  rows.getString(4),
                  rows.getString(5).charAt(0),
                  rows.getInt(6),
                  rows.getBoolean(7)));
        }
      }
    }
    return new UserTriggers(List.copyOf(found));
  }

  /**
   * Tables where replica mode would change which {@code event} triggers fire (origin triggers would
   * be skipped, replica ones would fire): under {@link TriggerMode#KEEP} their deletes must run
   * normally. Triggers on other events (an UPDATE-only {@code last_updated}) do not count.
   */
  Set<Long> changedByReplica(int event) {
    return triggers.stream()
        .filter(t -> t.on(event) && t.enabled != 'A')
        .map(Trigger::table)
        .collect(Collectors.toSet());
  }

  /**
   * Tables with {@code ENABLE REPLICA} triggers on {@code event}, which replica mode would fire:
   * under {@link TriggerMode#DISABLE} their deletes run normally, where such triggers stay silent.
   */
  Set<Long> withReplicaTriggers(int event) {
    return triggers.stream()
        .filter(t -> t.on(event) && t.enabled == 'R')
        .map(Trigger::table)
        .collect(Collectors.toSet());
  }

  /**
   * Decides how {@link TriggerMode#DISABLE} keeps every trigger from firing while the tables are
   * emptied.
   *
   * @param replicaAllowed whether the role may set session_replication_role
   * @throws ResetException {@link ResetErrorCode#TRIGGERS_NOT_DISABLED} naming a trigger that would
   *     fire and that the role may not disable; nothing was deleted
   */
  Handling disable(
      PlannedTables planned, boolean replicaAllowed, ForeignKeyGraph graph, ResetRequest request) {
    Set<Trigger> needed = new LinkedHashSet<>();
    for (CatalogTable table : planned.truncated()) {
      firing(table.oid(), TRUNCATE, false, needed);
    }
    Set<ForeignKey> replicaUpdates = new HashSet<>();
    for (ForeignKey key : planned.nulled()) {
      boolean replica = replicaAllowed && !referencedColumns(key, graph);
      if (replica) {
        replicaUpdates.add(key);
      }
      firing(key.child(), UPDATE, replica, needed);
    }
    for (CatalogTable table : planned.deleted()) {
      firing(table.oid(), DELETE, planned.replicaDeletes().contains(table.oid()), needed);
    }
    List<Trigger> refused = needed.stream().filter(t -> !t.mayAlter()).toList();
    if (!refused.isEmpty()) {
      String field = request.field("triggers");
      throw new ResetException(
          ResetErrorCode.TRIGGERS_NOT_DISABLED,
          refused.get(0).relation().toString(),
          field
              + " is disable, but the role may not disable "
              + (refused.size() == 1 ? "trigger " : refused.size() + " triggers, first ")
              + refused.get(0).describe()
              + ", which would fire while the reset empties the tables: ALTER TABLE ... DISABLE"
              + " TRIGGER needs the table's owner"
              + (replicaAllowed
                  ? ""
                  : ", and skipping triggers with session_replication_role needs a superuser or"
                      + " SET on that parameter")
              + ". Reset as the tables' owner, or set "
              + field
              + " to keep; nothing was deleted.");
    }
    return new Handling(List.copyOf(needed), Set.copyOf(replicaUpdates));
  }

  private void firing(long table, int event, boolean replica, Set<Trigger> into) {
    triggers.stream()
        .filter(t -> t.table() == table && t.on(event) && t.fires(replica))
        .forEach(into::add);
  }

  /**
   * Whether a foreign key into the child table uses one of the columns set to NULL: then the UPDATE
   * has referential actions to run and must not skip them in replica mode.
   */
  private static boolean referencedColumns(ForeignKey key, ForeignKeyGraph graph) {
    return graph.foreignKeys().stream()
        .anyMatch(
            k ->
                k.parent() == key.child()
                    && k.parentColumns().stream().anyMatch(key.nullableColumns()::contains));
  }

  /**
   * The statements of a run, for {@link #disable}.
   *
   * @param truncated tables emptied by TRUNCATE
   * @param nulled foreign keys set to NULL first
   * @param deleted tables emptied by DELETE
   * @param replicaDeletes oids of the deleted tables whose DELETE runs in replica mode
   */
  record PlannedTables(
      List<CatalogTable> truncated,
      List<ForeignKey> nulled,
      List<CatalogTable> deleted,
      Set<Long> replicaDeletes) {}
}
