package dev.pitstop.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded API server's store answers writes from its index by name exactly as fabric8's scan
 * over every object would: same names in other namespaces and kinds, conflicts, label changes,
 * status writes, patches and deletion with finalizers.
 */
class EmbeddedKubernetesApiTest {
  private EmbeddedKubernetesApi api;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
    client = api.client();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void writesRecordTheFieldsEachManagerSetInManagedFields() {
    client.resource(configMap("a", "x", "first")).create();
    client
        .configMaps()
        .inNamespace("a")
        .withName("x")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.JSON_MERGE)
                .withFieldManager("gitops")
                .build(),
            "{\"data\":{\"v\":\"second\"},\"metadata\":{\"labels\":{\"l\":\"1\"}}}");

    ConfigMap read = client.configMaps().inNamespace("a").withName("x").get();
    // The creator (no fieldManager: the User-Agent's program) keeps what it set; the patch's
    // manager owns what the patch set.
    assertThat(read.getMetadata().getManagedFields())
        .extracting(e -> e.getManager() + "|" + e.getOperation() + "|" + e.getFieldsV1())
        .containsExactlyInAnyOrder(
            "fabric8-kubernetes-client|Update|FieldsV1(additionalProperties={f:metadata={f:name={},"
                + " f:namespace={}}, f:data={f:k={}}})",
            "gitops|Update|FieldsV1(additionalProperties={f:metadata={f:labels={f:l={}}},"
                + " f:data={f:v={}}})");

    // A field another manager changes moves to it; a field removed leaves every entry.
    client
        .configMaps()
        .inNamespace("a")
        .withName("x")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"data\":{\"v\":\"third\",\"k\":null},\"metadata\":{\"labels\":null}}");
    read = client.configMaps().inNamespace("a").withName("x").get();
    assertThat(read.getMetadata().getManagedFields())
        .extracting(e -> e.getManager() + "|" + e.getFieldsV1())
        .containsExactly(
            "fabric8-kubernetes-client|FieldsV1(additionalProperties={f:metadata={f:name={},"
                + " f:namespace={}}, f:data={f:v={}}})");
  }

  @Test
  void writesFindTheirObjectByNameNamespaceAndKind() {
    client.resource(configMap("a", "x", "in a")).create();
    client.resource(configMap("b", "x", "in b")).create();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("x")
                .withNamespace("a")
                .endMetadata()
                .addToStringData("k", "secret")
                .build())
        .create();

    assertThatThrownBy(() -> client.resource(configMap("a", "x", "again")).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    client
        .configMaps()
        .inNamespace("a")
        .withName("x")
        .edit(
            cm ->
                new ConfigMapBuilder(cm)
                    .editMetadata()
                    .addToLabels("tier", "one")
                    .endMetadata()
                    .addToData("k", "edited in a")
                    .build());
    // The edit changed the object's key (a new label): later writes must find it under that key.
    client
        .configMaps()
        .inNamespace("a")
        .withName("x")
        .edit(cm -> new ConfigMapBuilder(cm).addToData("k2", "second edit").build());
    client
        .configMaps()
        .inNamespace("b")
        .withName("x")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\"tier\":\"two\"}}}");

    ConfigMap a = client.configMaps().inNamespace("a").withName("x").get();
    ConfigMap b = client.configMaps().inNamespace("b").withName("x").get();
    assertThat(a.getData())
        .containsExactlyInAnyOrderEntriesOf(Map.of("k", "edited in a", "k2", "second edit"));
    assertThat(b.getData()).containsExactlyEntriesOf(Map.of("k", "in b"));
    assertThat(b.getMetadata().getLabels()).containsExactlyEntriesOf(Map.of("tier", "two"));
    assertThat(client.secrets().inNamespace("a").withName("x").get().getStringData())
        .containsEntry("k", "secret");
    assertThat(client.configMaps().inNamespace("a").withLabel("tier", "one").list().getItems())
        .extracting(cm -> cm.getMetadata().getName())
        .containsExactly("x");
    assertLookupsUsedTheIndex();
  }

  @Test
  void statusWritesAndSpecChangesFindTheCustomResource() {
    client.resource(migration("a", "m")).create();
    client.resource(migration("b", "m")).create();

    DatabaseMigration current =
        client.resources(DatabaseMigration.class).inNamespace("a").withName("m").get();
    current.setStatus(new DatabaseMigrationStatus());
    current.getStatus().phase = MigrationPhase.Succeeded;
    current.getStatus().observedGeneration = current.getMetadata().getGeneration();
    client.resource(current).updateStatus();
    client
        .resources(DatabaseMigration.class)
        .inNamespace("a")
        .withName("m")
        .edit(
            m -> {
              m.getSpec().historyTable = "app.history_2";
              return m;
            });

    DatabaseMigration a =
        client.resources(DatabaseMigration.class).inNamespace("a").withName("m").get();
    DatabaseMigration b =
        client.resources(DatabaseMigration.class).inNamespace("b").withName("m").get();
    assertThat(a.getStatus().phase).isEqualTo(MigrationPhase.Succeeded);
    assertThat(a.getSpec().historyTable).isEqualTo("app.history_2");
    assertThat(a.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(b.getStatus()).isNull();
    assertThat(b.getMetadata().getGeneration()).isEqualTo(1L);
    assertLookupsUsedTheIndex();
  }

  @Test
  void anObjectWithAFinalizerStaysUntilTheFinalizerIsRemovedAndItsNameIsThenFree() {
    ConfigMap kept = configMap("a", "kept", "v1");
    kept.getMetadata().getFinalizers().add("pitstop.dev/test");
    client.resource(kept).create();

    client.configMaps().inNamespace("a").withName("kept").delete();
    ConfigMap marked = client.configMaps().inNamespace("a").withName("kept").get();
    assertThat(marked.getMetadata().getDeletionTimestamp()).isNotNull();

    client
        .configMaps()
        .inNamespace("a")
        .withName("kept")
        .edit(cm -> new ConfigMapBuilder(cm).editMetadata().withFinalizers().endMetadata().build());
    assertThat(client.configMaps().inNamespace("a").withName("kept").get()).isNull();

    client.resource(configMap("a", "kept", "v2")).create();
    assertThat(client.configMaps().inNamespace("a").withName("kept").get().getData())
        .containsEntry("k", "v2");
    assertLookupsUsedTheIndex();
  }

  @Test
  void writesAmongManyStoredObjectsChangeOnlyTheirOwnObject() {
    int count = 300;
    for (int i = 0; i < count; i++) {
      client.resource(configMap("a", "cm-" + i, "a" + i)).create();
      client.resource(configMap("b", "cm-" + i, "b" + i)).create();
    }
    for (int i = 0; i < count; i += 3) {
      String value = "edited " + i;
      client
          .configMaps()
          .inNamespace("b")
          .withName("cm-" + i)
          .edit(cm -> new ConfigMapBuilder(cm).addToData("k", value).build());
    }

    for (ConfigMap cm : client.configMaps().inNamespace("a").list().getItems()) {
      String i = cm.getMetadata().getName().substring(3);
      assertThat(cm.getData()).as(cm.getMetadata().getName()).containsEntry("k", "a" + i);
    }
    for (ConfigMap cm : client.configMaps().inNamespace("b").list().getItems()) {
      int i = Integer.parseInt(cm.getMetadata().getName().substring(3));
      assertThat(cm.getData())
          .as(cm.getMetadata().getName())
          .containsEntry("k", i % 3 == 0 ? "edited " + i : "b" + i);
    }
    assertThat(client.configMaps().inAnyNamespace().list().getItems()).hasSize(2 * count);
    assertLookupsUsedTheIndex();
  }

  private void assertLookupsUsedTheIndex() {
    assertThat(api.store().indexed()).as("every stored key was computed as fabric8 does").isTrue();
    assertThat(api.store().scans()).as("lookups that tested every object").isZero();
  }

  private static ConfigMap configMap(String namespace, String name, String value) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToData("k", value)
        .build();
  }

  private static DatabaseMigration migration(String namespace, String name) {
    DatabaseMigration dbm = new DatabaseMigration();
    dbm.getMetadata().setName(name);
    dbm.getMetadata().setNamespace(namespace);
    DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
    spec.database = new DatabaseRef("db");
    spec.historyTable = "app.history";
    dbm.setSpec(spec);
    return dbm;
  }
}
