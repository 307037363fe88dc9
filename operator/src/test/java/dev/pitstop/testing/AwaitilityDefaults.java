package dev.pitstop.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Awaitility's defaults for every test class (registered for all of them through {@code
 * junit-platform.properties} and the service file): the first look at a condition happens at once,
 * and later ones every 50 ms. Awaitility's own defaults wait one poll interval (100 ms) before the
 * first look, which across the suite's many waits adds up to tens of seconds of waiting for
 * conditions that already hold. A wait that names its own poll interval keeps it; its first look is
 * immediate too.
 */
public final class AwaitilityDefaults implements BeforeAllCallback {
  static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.setDefaultPollDelay(Duration.ZERO);
    Awaitility.setDefaultPollInterval(POLL_INTERVAL);
  }
}
