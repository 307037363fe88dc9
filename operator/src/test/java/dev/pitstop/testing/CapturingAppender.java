package dev.pitstop.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;

/**
 * Configured in logback-test.xml with the production pattern (credential redaction included);
 * records rendered log lines only while a {@link LogCapture} is open.
 */
public final class CapturingAppender extends OutputStreamAppender<ILoggingEvent> {
  static final ByteArrayOutputStream BUFFER = new ByteArrayOutputStream();
  static volatile boolean capturing;

  @Override
  public void start() {
    setOutputStream(BUFFER);
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (capturing) {
      super.append(event);
    }
  }
}
