package dev.pitstop.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.cli.UsageException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncWavesTest {
  private static ConfigMap object(String name, String wave) {
    ConfigMapBuilder builder =
        new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata();
    if (wave != null) {
      builder.editMetadata().addToAnnotations(SyncWaves.ANNOTATION, wave).endMetadata();
    }
    return builder.build();
  }

  @Test
  void objectsWithoutTheAnnotationAreInWaveZeroAndWavesAreOrdered() {
    List<HasMetadata> objects =
        List.of(object("a", "2"), object("b", null), object("c", " -1 "), object("d", "2"));
    ExampleManifests.ManifestFile file = new ExampleManifests.ManifestFile("x.yaml", objects);

    assertThat(SyncWaves.of(List.of(file))).containsExactly(-1, 0, 2);
    assertThat(SyncWaves.of(file, objects.get(1))).isZero();
    assertThat(SyncWaves.of(file, objects.get(2))).isEqualTo(-1);
  }

  @Test
  void aWaveThatIsNotANumberIsAUsageError() {
    ConfigMap bad = object("seed", "later");
    ExampleManifests.ManifestFile file =
        new ExampleManifests.ManifestFile("sandbox/02-seed.yaml", List.of(bad));

    assertThatThrownBy(() -> SyncWaves.of(List.of(file)))
        .isInstanceOf(UsageException.class)
        .hasMessage(
            "sandbox/02-seed.yaml: ConfigMap seed: annotation argocd.argoproj.io/sync-wave"
                + " must be a whole number, not 'later'");
  }
}
