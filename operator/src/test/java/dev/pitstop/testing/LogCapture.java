package dev.pitstop.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/**
 * Captures everything logged at DEBUG and above, rendered exactly as the production pattern renders
 * it (see {@link CapturingAppender}), so tests can assert on what a log would show.
 *
 * <p>Integration tests of other lanes run in the same JVM meanwhile, with operators of their own.
 * {@link #text()} has their lines too; {@link #ownText()} leaves out the lines of threads another
 * test claimed ({@link #claimThreads()}), for assertions that something was not logged.
 */
public final class LogCapture implements AutoCloseable {
  /** The test a thread works for, inherited by the threads created from it. */
  private static final InheritableThreadLocal<Object> TEST = new InheritableThreadLocal<>();

  private final Logger root;
  private final Level previous;

  /**
   * Marks the calling test thread, and every thread created from it from now on (its operator's
   * executors, pools and clients), as one test's. {@link OperatorExtension} calls it before it
   * starts an API server and operator.
   */
  public static void claimThreads() {
    TEST.set(new Object());
  }

  static Object testOfThisThread() {
    return TEST.get();
  }

  public LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    previous = root.getLevel();
    synchronized (CapturingAppender.BUFFER) {
      CapturingAppender.BUFFER.reset();
    }
    synchronized (CapturingAppender.OWN) {
      CapturingAppender.OWN.reset();
    }
    CapturingAppender.capturer = TEST.get();
    root.setLevel(Level.DEBUG);
    CapturingAppender.capturing = true;
  }

  /** Everything logged so far. */
  public String text() {
    synchronized (CapturingAppender.BUFFER) {
      return CapturingAppender.BUFFER.toString(StandardCharsets.UTF_8);
    }
  }

  /** What was logged so far, without the lines of threads that another test claimed. */
  public String ownText() {
    synchronized (CapturingAppender.OWN) {
      return CapturingAppender.OWN.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    CapturingAppender.capturing = false;
    CapturingAppender.capturer = null;
    root.setLevel(previous);
  }
}
