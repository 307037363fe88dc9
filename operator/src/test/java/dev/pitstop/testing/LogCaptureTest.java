package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogCaptureTest {
  private static final Logger LOG = LoggerFactory.getLogger(LogCaptureTest.class);

  @Test
  void ownTextLeavesOutWhatThreadsOfAnotherTestLogged() throws Exception {
    // Another test's thread, which claimed itself and starts a worker of its own.
    Thread otherTest =
        new Thread(
            () -> {
              LogCapture.claimThreads();
              Thread worker = new Thread(() -> LOG.warn("another test's pool broke"));
              worker.start();
              join(worker);
            });
    LogCapture.claimThreads();
    try (LogCapture logs = new LogCapture()) {
      Thread mine = new Thread(() -> LOG.warn("this test's operator warned"));
      mine.start();
      mine.join();
      otherTest.start();
      otherTest.join();
      LOG.info("the test itself");

      assertThat(logs.text())
          .contains("this test's operator warned")
          .contains("another test's pool broke")
          .contains("the test itself");
      assertThat(logs.ownText())
          .contains("this test's operator warned")
          .contains("the test itself")
          .doesNotContain("another test's pool broke");
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
