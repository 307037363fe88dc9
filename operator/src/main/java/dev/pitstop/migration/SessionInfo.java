package dev.pitstop.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Facts about the work session read once per run, in a single round trip. */
record SessionInfo(String user, String schema, String database, int serverVersionNum) {

  static SessionInfo read(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT current_user, current_schema(), current_database(),"
                    + " current_setting('server_version_num')::int")) {
      row.next();
      return new SessionInfo(row.getString(1), row.getString(2), row.getString(3), row.getInt(4));
    }
  }
}
