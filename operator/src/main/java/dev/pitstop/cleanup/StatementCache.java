package dev.pitstop.cleanup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** The prepared statements of one pass of batches, each prepared once and reused by name. */
final class StatementCache {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  StatementCache(Connection connection) {
    this.connection = connection;
  }

  /** The statement named {@code name}, prepared from {@code sql} the first time. */
  PreparedStatement get(String name, String sql) throws SQLException {
    PreparedStatement statement = statements.get(name);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(name, statement);
    }
    return statement;
  }

  /** Closes every statement; the cache can be used again afterwards. */
  void closeAll() throws SQLException {
    for (PreparedStatement statement : statements.values()) {
      statement.close();
    }
    statements.clear();
  }
}
