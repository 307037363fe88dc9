package dev.pitstop.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/**
 * Captures everything logged at DEBUG and above, rendered exactly as the production pattern renders
 * it (see {@link CapturingAppender}), so tests can assert on what a log would show.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger root;
  private final Level previous;

  public LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    previous = root.getLevel();
    synchronized (CapturingAppender.BUFFER) {
      CapturingAppender.BUFFER.reset();
    }
    root.setLevel(Level.DEBUG);
    CapturingAppender.capturing = true;
  }

  /** Everything logged so far. */
  public String text() {
    synchronized (CapturingAppender.BUFFER) {
      return CapturingAppender.BUFFER.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    CapturingAppender.capturing = false;
    root.setLevel(previous);
  }
}
