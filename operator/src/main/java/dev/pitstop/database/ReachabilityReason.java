package dev.pitstop.database;

import dev.pitstop.sql.SqlState;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Why a database could or could not be reached; {@link #conditionReason()} is the CamelCase reason
 * of a {@code DatabaseReachable} condition.
 */
public enum ReachabilityReason {
  REACHABLE("Reachable"),
  CONNECTION_REFUSED("ConnectionRefused"),
  UNKNOWN_HOST("UnknownHost"),
  TIMED_OUT("ConnectionTimedOut"),
  CONNECTION_FAILED("ConnectionFailed"),
  /** SQLSTATE 28P01 or 28000: wrong password, or no pg_hba.conf entry for the role. */
  AUTHENTICATION_FAILED("AuthenticationFailed"),
  /** SQLSTATE 3D000. */
  UNKNOWN_DATABASE("UnknownDatabase"),
  /** TLS was required and failed: the server does not offer it, or the handshake failed. */
  TLS_FAILED("TlsFailed"),
  /** SQLSTATE 53300 from the server, or Pitstop's own pool limit. */
  TOO_MANY_CONNECTIONS("TooManyConnections"),
  /** SQLSTATE 57P03: starting up, shutting down or in recovery. */
  SERVER_NOT_READY("ServerNotReady"),
  /** The pool's connections were all busy for the whole connection timeout. */
  POOL_EXHAUSTED("PoolExhausted"),
  DATABASE_ERROR("DatabaseError");

  private final String conditionReason;

  ReachabilityReason(String conditionReason) {
    this.conditionReason = conditionReason;
  }

  public String conditionReason() {
    return conditionReason;
  }

  /**
   * Whether only a change fixes it (the Secret, the role, the database, TLS settings), so retrying
   * fast would only repeat it: a wrong password, a missing database, TLS that cannot work.
   */
  public boolean needsAFix() {
    return this == AUTHENTICATION_FAILED || this == UNKNOWN_DATABASE || this == TLS_FAILED;
  }

  /** Classifies a failure to connect by its causes' network errors and SQLSTATEs. */
  public static ReachabilityReason of(Throwable failure) {
    ReachabilityReason bySqlState = null;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException) {
        return CONNECTION_REFUSED;
      }
      if (t instanceof UnknownHostException) {
        return UNKNOWN_HOST;
      }
      if (t instanceof SocketTimeoutException || t instanceof NoRouteToHostException) {
        return TIMED_OUT;
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return TLS_FAILED;
      }
      if (t instanceof SQLException sql
          && SqlState.CONNECTION_REJECTED.equals(sql.getSQLState())
          && sql.getMessage() != null
          && sql.getMessage().contains("SSL")) {
        return TLS_FAILED;
      }
      if (bySqlState == null && t instanceof SQLException sql && sql.getSQLState() != null) {
        bySqlState = ofSqlState(sql.getSQLState());
      }
    }
    if (bySqlState != null) {
      return bySqlState;
    }
    // HikariCP's timeout without a cause: no connection failed, they were all lent out.
    return failure instanceof SQLTransientConnectionException && failure.getCause() == null
        ? POOL_EXHAUSTED
        : DATABASE_ERROR;
  }

  private static ReachabilityReason ofSqlState(String sqlState) {
    return switch (sqlState) {
      case SqlState.INVALID_PASSWORD, SqlState.INVALID_AUTHORIZATION_SPECIFICATION ->
          AUTHENTICATION_FAILED;
      case SqlState.INVALID_CATALOG_NAME -> UNKNOWN_DATABASE;
      case SqlState.TOO_MANY_CONNECTIONS -> TOO_MANY_CONNECTIONS;
      case SqlState.CANNOT_CONNECT_NOW -> SERVER_NOT_READY;
      default -> SqlState.isConnectionException(sqlState) ? CONNECTION_FAILED : DATABASE_ERROR;
    };
  }
}
