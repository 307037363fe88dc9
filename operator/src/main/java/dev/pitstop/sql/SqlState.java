package dev.pitstop.sql;

/**
 * The SQLSTATEs the product reacts to, named as in PostgreSQL's "PostgreSQL Error Codes" appendix
 * (condition name in upper case), and the error classes it tests for. The one place where these
 * codes are written out.
 */
public final class SqlState {
  /**
   * Class 08: sqlserver_rejected_establishment_of_sqlconnection; the JDBC driver reports "The
   * server does not support SSL" with it.
   */
  public static final String CONNECTION_REJECTED = "08004";

  /** Class 28: invalid_authorization_specification (e.g. no pg_hba.conf entry matches). */
  public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";

  /** Class 28: invalid_password. */
  public static final String INVALID_PASSWORD = "28P01";

  /** Class 3D: invalid_catalog_name (the database does not exist). */
  public static final String INVALID_CATALOG_NAME = "3D000";

  /** Class 3F: invalid_schema_name. */
  public static final String INVALID_SCHEMA_NAME = "3F000";

  /** Class 40: serialization_failure. */
  public static final String SERIALIZATION_FAILURE = "40001";

  /** Class 40: deadlock_detected. */
  public static final String DEADLOCK_DETECTED = "40P01";

  /** Class 42: insufficient_privilege. */
  public static final String INSUFFICIENT_PRIVILEGE = "42501";

  /** Class 42: undefined_column. */
  public static final String UNDEFINED_COLUMN = "42703";

  /** Class 42: undefined_function. */
  public static final String UNDEFINED_FUNCTION = "42883";

  /** Class 23: foreign_key_violation (a referenced row that does not exist). */
  public static final String FOREIGN_KEY_VIOLATION = "23503";

  /** Class 42: undefined_table. */
  public static final String UNDEFINED_TABLE = "42P01";

  /** Class 42: duplicate_table (also an index or other relation of that name). */
  public static final String DUPLICATE_TABLE = "42P07";

  /** Class 42: invalid_name (a name that does not parse). */
  public static final String INVALID_NAME = "42602";

  /** Class 25: read_only_sql_transaction (a write in a read-only transaction). */
  /**
   * Class 25: active_sql_transaction (a statement that cannot run in a transaction block, such as
   * CREATE INDEX CONCURRENTLY inside a function, ran in one).
   */
  public static final String ACTIVE_SQL_TRANSACTION = "25001";

  public static final String READ_ONLY_SQL_TRANSACTION = "25006";

  /** Class 53: too_many_connections. */
  public static final String TOO_MANY_CONNECTIONS = "53300";

  /** Class 55: lock_not_available, also raised when lock_timeout fires. */
  public static final String LOCK_NOT_AVAILABLE = "55P03";

  /** Class 57: query_canceled, also raised when statement_timeout fires. */
  public static final String QUERY_CANCELED = "57014";

  /** Class 57: admin_shutdown. */
  public static final String ADMIN_SHUTDOWN = "57P01";

  /** Class 57: crash_shutdown. */
  public static final String CRASH_SHUTDOWN = "57P02";

  /** Class 57: cannot_connect_now (the server is starting up or shutting down). */
  public static final String CANNOT_CONNECT_NOW = "57P03";

  private static final String CONNECTION_EXCEPTION_CLASS = "08";

  private SqlState() {}

  /** Tells whether {@code sqlState} is of class 08, connection_exception; null is not. */
  public static boolean isConnectionException(String sqlState) {
    return sqlState != null && sqlState.startsWith(CONNECTION_EXCEPTION_CLASS);
  }
}
