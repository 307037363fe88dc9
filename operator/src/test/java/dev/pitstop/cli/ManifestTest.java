package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  @TempDir Path dir;

  private Manifest read(String yaml) throws Exception {
    Path file = dir.resolve("m.yaml");
    Files.writeString(file, yaml);
    return Manifest.read(file);
  }

  @Test
  void readsEveryDocumentAndTheItemsOfAList() throws Exception {
    Manifest manifest =
        read(
            """
            ---
            # a comment-only document is skipped
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: a}
            data: {V1__a.sql: "SELECT 1;"}
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Secret
              metadata: {name: db, namespace: shop}
              stringData: {uri: "postgresql://app@db/app"}
            - apiVersion: pitstop.dev/v1alpha1
              kind: DatabaseMigration
              metadata: {name: m, namespace: shop}
              spec:
                database: {secretRef: {name: db}}
                source: {configMapRefs: [{name: a}]}
            ---
            """);

    assertThat(manifest.documents())
        .extracting(Manifest.Document::describe)
        .containsExactly("ConfigMap/a", "Secret/db", "DatabaseMigration/m");
    assertThat(manifest.pitstopResources())
        .extracting(Manifest.Document::name)
        .containsExactly("m");
    DatabaseMigration dbm =
        manifest.convert(manifest.pitstopResources().get(0), DatabaseMigration.class);
    assertThat(dbm.getSpec().source.configMapRefs.get(0).name).isEqualTo("a");
  }

  @Test
  void configMapsAndSecretsMatchTheNamespaceOrNamingNone() throws Exception {
    Manifest manifest =
        read(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: anywhere}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: shop-only, namespace: shop}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: db, namespace: shop}
            """);

    assertThat(manifest.configMap("shop", "anywhere")).isPresent();
    assertThat(manifest.configMap("default", "anywhere")).isPresent();
    assertThat(manifest.configMap("shop", "shop-only")).isPresent();
    assertThat(manifest.configMap("default", "shop-only")).isEmpty();
    assertThat(manifest.secret("shop", "db")).isPresent();
    assertThat(manifest.secret("shop", "anywhere")).isEmpty();
  }

  @Test
  void invalidYamlNamesTheFileAndLine() {
    assertThatThrownBy(() -> read("apiVersion: v1\nkind: ConfigMap\ndata: {a: [\n"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("m.yaml: invalid YAML at line ");
  }

  @Test
  void unknownFieldsAndWrongTypesNameTheField() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    apiVersion: pitstop.dev/v1alpha1
                    kind: DatabaseMigration
                    metadata: {name: m}
                    spec:
                      source:
                        inline:
                        - {name: V1__a.sql, sql: "SELECT 1;", sqll: x}
                    """))
        .isInstanceOf(UsageException.class)
        .hasMessageEndingWith("(DatabaseMigration/m): unknown field spec.source.inline[0].sqll");

    assertThatThrownBy(
            () ->
                read(
                    """
                    apiVersion: pitstop.dev/v1alpha1
                    kind: DatabaseMigration
                    metadata: {name: m}
                    spec:
                      outOfOrder: [yes]
                    """))
        .isInstanceOf(UsageException.class)
        .hasMessageEndingWith(
            "spec.outOfOrder has a value of the wrong type; it must be true or false, unquoted");
  }

  @Test
  void aliasesAreTheAnchoredValuesAndMergeKeysAddTheAnchoredMapping() throws Exception {
    Manifest manifest =
        read(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: &meta {name: a, labels: {app: shop}}
            data:
              first: &sql "SELECT 1;"
              second: *sql
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              <<: {name: ignored, labels: {app: shop}}
              name: b
            data: {n: 007, t: true, y: yes, e: ~}
            """);

    assertThat(manifest.configMap("default", "a").orElseThrow().getData())
        .containsEntry("first", "SELECT 1;")
        .containsEntry("second", "SELECT 1;");
    ConfigMap merged = manifest.configMap("default", "b").orElseThrow();
    assertThat(merged.getMetadata().getLabels()).containsEntry("app", "shop");
    assertThat(manifest.documents().get(1).node().path("data").toString())
        .isEqualTo("{\"n\":7,\"t\":true,\"y\":\"yes\",\"e\":null}");
  }

  @Test
  void anAnchorAppliesWithinItsDocumentOnly() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: a}
                    data: {a: &x "1"}
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: b}
                    data: {a: *x}
                    """))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("m.yaml: invalid YAML at line 9")
        .hasMessageContaining("found undefined alias x");
  }

  @Test
  void everyExampleReadsStrictly() throws Exception {
    try (Stream<Path> folders = Files.list(ProjectFiles.examples())) {
      for (Path folder : folders.filter(Files::isDirectory).toList()) {
        assertThat(Manifest.read(folder).documents()).as(folder.toString()).isNotEmpty();
      }
    }
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> Manifest.read(dir.resolve("absent.yaml")))
        .isInstanceOf(UsageException.class)
        .hasMessageEndingWith("absent.yaml does not exist");
  }
}
