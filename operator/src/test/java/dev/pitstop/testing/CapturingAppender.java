package dev.pitstop.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;

/**
 * Configured in logback-test.xml with the production pattern (credential redaction included);
 * records rendered log lines only while a {@link LogCapture} is open: all of them, and apart those
 * not logged by threads of another test ({@link LogCapture#ownText()}).
 */
public final class CapturingAppender extends OutputStreamAppender<ILoggingEvent> {
  static final ByteArrayOutputStream BUFFER = new ByteArrayOutputStream();
  static final ByteArrayOutputStream OWN = new ByteArrayOutputStream();
  static volatile boolean capturing;

  /** The test whose capture is open ({@link LogCapture#claimThreads()}), or null. */
  static volatile Object capturer;

  @Override
  public void start() {
    setOutputStream(BUFFER);
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (capturing) {
      super.append(event);
      Object test = LogCapture.testOfThisThread();
      if (test == null || capturer == null || test == capturer) {
        byte[] line = getEncoder().encode(event);
        synchronized (OWN) {
          OWN.write(line, 0, line.length);
        }
      }
    }
  }
}
