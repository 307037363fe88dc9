package dev.pitstop.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.slf4j.LoggerFactory;

/**
 * Logback {@code %ex} that removes known credentials from stack traces. With the system property
 * {@value #DEBUG_ONLY} set to {@code true} (command-line commands, whose users read sentences, not
 * Java), a stack trace is written only when the root logger is at DEBUG ({@code
 * PITSTOP_LOG_LEVEL=DEBUG}).
 */
public class RedactingThrowableConverter extends ThrowableProxyConverter {
  /** System property: stack traces only at DEBUG. */
  public static final String DEBUG_ONLY = "pitstop.stackTraces.debugOnly";

  @Override
  public String convert(ILoggingEvent event) {
    if (Boolean.getBoolean(DEBUG_ONLY)
        && !LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME).isDebugEnabled()) {
      return "";
    }
    return KnownSecrets.redact(super.convert(event));
  }
}
