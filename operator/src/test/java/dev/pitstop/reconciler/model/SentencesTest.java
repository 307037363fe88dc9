package dev.pitstop.reconciler.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SentencesTest {
  @Test
  void aCountOfOneTakesTheSingular() {
    assertThat(Sentences.count(1, "table")).isEqualTo("1 table");
    assertThat(Sentences.count(3, "table")).isEqualTo("3 tables");
    assertThat(Sentences.count(0, "row")).isEqualTo("0 rows");
    assertThat(Sentences.count(1, "preserved table")).isEqualTo("1 preserved table");
  }

  @Test
  void clausesAndWhatComesNextReadAsOneSentence() {
    assertThat(Sentences.clause("the database answered. ")).isEqualTo("the database answered");
    assertThat(Sentences.nextIn("connection refused.", "retrying", Duration.ofMillis(4200)))
        .isEqualTo("connection refused; retrying in 4s");
  }
}
