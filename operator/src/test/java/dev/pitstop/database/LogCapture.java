package dev.pitstop.database;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.LoggerFactory;

/**
 * Records every log line of the pool, the driver and this package, at debug level, while open:
 * SLF4J/logback for HikariCP and Pitstop, java.util.logging for pgjdbc.
 */
final class LogCapture implements AutoCloseable {
  private static final List<String> LOGGERS = List.of("com.zaxxer.hikari", "dev.pitstop");

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Map<String, Level> previousLevels = new java.util.HashMap<>();
  private final java.util.logging.Logger driverLogger =
      java.util.logging.Logger.getLogger("org.postgresql");
  private final java.util.logging.Level previousDriverLevel = driverLogger.getLevel();
  private final List<String> driverLines = new ArrayList<>();
  private final Handler driverHandler =
      new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
          synchronized (driverLines) {
            driverLines.add(formatter.format(record));
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  LogCapture() {
    appender.start();
    root().addAppender(appender);
    for (String name : LOGGERS) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      previousLevels.put(name, logger.getLevel());
      logger.setLevel(Level.DEBUG);
    }
    driverLogger.setLevel(java.util.logging.Level.ALL);
    driverLogger.addHandler(driverHandler);
  }

  /** Every line recorded so far, with stack traces. */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    synchronized (appender) {
      for (ILoggingEvent event : appender.list) {
        lines.add(event.getFormattedMessage());
        if (event.getThrowableProxy() != null) {
          lines.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
      }
    }
    synchronized (driverLines) {
      lines.addAll(driverLines);
    }
    return lines;
  }

  @Override
  public void close() {
    root().detachAppender(appender);
    previousLevels.forEach(
        (name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
    driverLogger.removeHandler(driverHandler);
    driverLogger.setLevel(previousDriverLevel);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
