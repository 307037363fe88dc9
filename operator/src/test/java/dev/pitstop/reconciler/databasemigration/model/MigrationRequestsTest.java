package dev.pitstop.reconciler.databasemigration.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.ScriptSource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class MigrationRequestsTest {

  private static String runDigest(Consumer<DatabaseMigrationSpec> edit) throws Exception {
    DatabaseMigration resource = new DatabaseMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("app").withNamespace("ns").build());
    DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
    spec.database = new DatabaseRef("app-db");
    spec.source = new ScriptSource();
    InlineScript script = new InlineScript();
    script.name = "V1__t.sql";
    script.sql = "CREATE TABLE t (id int);";
    spec.source.inline.add(script);
    edit.accept(spec);
    resource.setSpec(spec);
    return MigrationRequests.prepare(resource, name -> Optional.empty()).runDigest();
  }

  @Test
  void theBaselineFieldsAtTheirDefaultsKeepTheDigestOfASpecWithoutThemAndOtherwiseChangeIt()
      throws Exception {
    String before =
        runDigest(
            spec -> {
              spec.baselineOnMigrate = null;
              spec.baselineVersion = null;
              spec.baselineDescription = null;
            });

    assertThat(runDigest(spec -> {})).isEqualTo(before);
    assertThat(runDigest(spec -> spec.baselineOnMigrate = true)).isNotEqualTo(before);
    assertThat(runDigest(spec -> spec.baselineVersion = "3")).isNotEqualTo(before);
    assertThat(runDigest(spec -> spec.baselineDescription = "legacy")).isNotEqualTo(before);
  }
}
