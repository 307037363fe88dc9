package dev.pitstop.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  @Test
  void rendersOneJsonObjectPerLineWithCredentialsRedacted() throws Exception {
    KnownSecrets.add("hunter2-json-test");
    LoggerContext context = new LoggerContext();
    LoggingEvent event =
        new LoggingEvent(
            "x",
            context.getLogger("dev.pitstop.Test"),
            Level.WARN,
            "login failed for {} with hunter2-json-test",
            new IllegalStateException("password hunter2-json-test rejected"),
            new Object[] {"app"});
    JsonLines layout = new JsonLines();
    String line = layout.doLayout(event);

    assertThat(line).endsWith("\n").doesNotContain("hunter2-json-test");
    @SuppressWarnings("unchecked")
    Map<String, Object> json = new ObjectMapper().readValue(line, Map.class);
    assertThat(json)
        .containsEntry("level", "WARN")
        .containsEntry("logger", "dev.pitstop.Test")
        .containsEntry("message", "login failed for app with ****");
    assertThat((String) json.get("exception"))
        .contains("IllegalStateException: password **** rejected");
  }
}
