package dev.pitstop.cleanup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts, exactly, what each batch of a rule deletes or changes through foreign keys: a batch then
 * runs in an explicit transaction, and before its commit the rows the transaction deleted and
 * updated in each reached table are read from the server's own counters for the transaction ({@code
 * pg_stat_get_xact_tuples_deleted / _updated}), which include what the keys' triggers did. Those
 * counters also hold counts of earlier transactions the session has not reported yet, which stay
 * put while a transaction is open: each batch reads them first, in its transaction, and counts the
 * difference. A batch counts once it has committed.
 */
final class CascadeCounter {
  private final Connection connection;
  private final CascadeGraph graph;
  private final long[] deleted;
  private final long[] nulled;
  private final long[] pendingDeleted;
  private final long[] pendingNulled;
  private final long[] baseDeleted;
  private final long[] baseNulled;
  private final List<Long> relations = new ArrayList<>();
  private final List<Integer> relationNodes = new ArrayList<>();
  private PreparedStatement read;

  CascadeCounter(Connection connection, CascadeGraph graph) {
    this.connection = connection;
    this.graph = graph;
    int n = graph.nodes().size();
    deleted = new long[n];
    nulled = new long[n];
    pendingDeleted = new long[n];
    pendingNulled = new long[n];
    baseDeleted = new long[n];
    baseNulled = new long[n];
    for (int i = 0; i < n; i++) {
      for (long relation : graph.nodes().get(i).relations()) {
        relations.add(relation);
        relationNodes.add(i);
      }
    }
  }

  /** Whether the server keeps the counters (track_counts); without them nothing can be counted. */
  static boolean available(Connection connection) throws SQLException {
    try (PreparedStatement statement =
            connection.prepareStatement("SELECT current_setting('track_counts')::boolean");
        ResultSet row = statement.executeQuery()) {
      row.next();
      return row.getBoolean(1);
    }
  }

  /** Starts a batch's transaction and reads the counters it starts from. */
  void begin() throws SQLException {
    connection.setAutoCommit(false);
    readCounters(baseDeleted, baseNulled);
  }

  /**
   * Reads what the open transaction did, after its batch deleted {@code own} rows of the rule's
   * table and before it commits.
   */
  void read(int own) throws SQLException {
    readCounters(pendingDeleted, pendingNulled);
    for (int i = 0; i < pendingDeleted.length; i++) {
      pendingDeleted[i] -= baseDeleted[i];
      pendingNulled[i] -= baseNulled[i];
    }
    pendingDeleted[0] -= own;
  }

  private void readCounters(long[] deletedRows, long[] updatedRows) throws SQLException {
    if (read == null) {
      read =
          connection.prepareStatement(
              "SELECT pg_catalog.pg_stat_get_xact_tuples_deleted(r),"
                  + " pg_catalog.pg_stat_get_xact_tuples_updated(r)"
                  + " FROM unnest(?::oid[]) WITH ORDINALITY AS t(r, i) ORDER BY i");
    }
    read.setArray(1, connection.createArrayOf("bigint", relations.toArray()));
    java.util.Arrays.fill(deletedRows, 0);
    java.util.Arrays.fill(updatedRows, 0);
    try (ResultSet row = read.executeQuery()) {
      for (int i = 0; row.next(); i++) {
        int node = relationNodes.get(i);
        deletedRows[node] += row.getLong(1);
        updatedRows[node] += row.getLong(2);
      }
    }
  }

  /** Reads what the open transaction did, then commits it; counted once the commit succeeded. */
  void commit(int own) throws SQLException {
    read(own);
    connection.commit();
    connection.setAutoCommit(true);
    committed();
  }

  /** The transaction whose counts {@link #read} took has committed. */
  void committed() {
    for (int i = 0; i < deleted.length; i++) {
      deleted[i] += pendingDeleted[i];
      nulled[i] += pendingNulled[i];
    }
  }

  /** Undoes an open transaction after a failed batch; on a broken connection that fails too. */
  void abandon(SQLException cause) {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  /** The counts of the committed batches. */
  List<CascadeCount> counts() {
    return counts(graph, deleted, nulled);
  }

  static List<CascadeCount> counts(CascadeGraph graph, long[] deleted, long[] nulled) {
    List<CascadeCount> counts = new ArrayList<>();
    for (int i = 0; i < graph.nodes().size(); i++) {
      if (deleted[i] != 0 || nulled[i] != 0) {
        counts.add(
            new CascadeCount(graph.nodes().get(i).table().toString(), deleted[i], nulled[i]));
      }
    }
    return counts;
  }

  void close() {
    if (read != null) {
      try {
        read.close();
      } catch (SQLException e) {
        // the connection is going away; nothing to keep
      }
      read = null;
    }
  }
}
