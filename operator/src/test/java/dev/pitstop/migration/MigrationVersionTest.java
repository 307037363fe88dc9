package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationVersionTest {

  @Test
  void comparesPartsNumerically() {
    List<MigrationVersion> versions = new ArrayList<>();
    for (String v : new String[] {"10", "2", "1.10", "1.2", "1_1", "1", "2024_01_15"}) {
      versions.add(MigrationVersion.parse(v));
    }
    Collections.sort(versions);
    assertThat(versions)
        .extracting(MigrationVersion::toString)
        .containsExactly("1", "1.1", "1.2", "1.10", "2", "10", "2024.01.15");
  }

  @Test
  void trailingZerosAndLeadingZerosDoNotMatter() {
    assertThat(MigrationVersion.parse("1.0")).isEqualTo(MigrationVersion.parse("1"));
    assertThat(MigrationVersion.parse("1.0").hashCode())
        .isEqualTo(MigrationVersion.parse("1").hashCode());
    assertThat(MigrationVersion.parse("01")).isEqualTo(MigrationVersion.parse("1"));
    assertThat(MigrationVersion.parse("01").toString()).isEqualTo("01");
  }

  @Test
  void rejectsNonNumericVersions() {
    for (String bad : new String[] {"", "a", "1.", ".1", "1..2", "1-2", "v1"}) {
      assertThatThrownBy(() -> MigrationVersion.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
