package dev.pitstop.reconciler.databasemigration.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.api.v1alpha1.Approval;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.PlanSeverity;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.reconciler.databasemigration.MigrationFixtures;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests.Gate;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class MigrationRequestsTest {

  private static MigrationRequests prepare(DatabaseMigration resource) throws SpecException {
    return MigrationRequests.prepare(
        resource,
        name ->
            Optional.of(
                MigrationFixtures.configMap(name, Map.of("V1__t.sql", "CREATE TABLE ${t} ();"))));
  }

  @Test
  void placeholderFieldsReachTheRequestAndAbsentOnesLeaveTheRunDigestAsItWas() throws Exception {
    DatabaseMigration plain = MigrationFixtures.migration("app", "db", "migrations");
    // absent placeholder fields are not part of the spec as written, so a resource from before
    // they existed keeps its run digest and does not run again
    assertThat(new ObjectMapper().valueToTree(plain.getSpec()).fieldNames())
        .toIterable()
        .noneMatch(name -> name.startsWith("placeholder"));
    MigrationRequests without = prepare(plain);
    assertThat(without.request().placeholders().enabled()).isTrue();
    assertThat(without.request().placeholders().prefix()).isEqualTo("${");

    DatabaseMigration with = MigrationFixtures.migration("app", "db", "migrations");
    with.getSpec().placeholders = Map.of("T", "items");
    with.getSpec().placeholderReplacement = false;
    with.getSpec().placeholderPrefix = "#[";
    with.getSpec().placeholderSuffix = "]";
    MigrationRequests requests = prepare(with);
    assertThat(requests.request().placeholders().values()).isEqualTo(Map.of("t", "items"));
    assertThat(requests.request().placeholders().enabled()).isFalse();
    assertThat(requests.request().placeholders().prefix()).isEqualTo("#[");
    assertThat(requests.request().placeholders().suffix()).isEqualTo("]");
    assertThat(requests.runDigest()).isNotEqualTo(without.runDigest());

    with.getSpec().placeholderPrefix = "";
    assertThatThrownBy(() -> prepare(with))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("placeholderPrefix must not be empty");
  }

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

  @Test
  void approvalApprovalSeverityAndPlanDatabaseAreSettingsThatLeaveTheRunDigestAsItWas()
      throws Exception {
    String before = runDigest(spec -> {});

    assertThat(runDigest(spec -> spec.approval = Approval.OnRisk)).isEqualTo(before);
    assertThat(runDigest(spec -> spec.approvalSeverity = PlanSeverity.Error)).isEqualTo(before);
    assertThat(runDigest(spec -> spec.planDatabase = new DatabaseRef("scratch-db")))
        .isEqualTo(before);
    assertThat(runDigest(spec -> spec.requireApproval = true)).isEqualTo(before);
    assertThat(runDigest(spec -> spec.validateOnly = true))
        .as("validateOnly changes what a run does")
        .isNotEqualTo(before);
  }

  @Test
  void approvalDecidesWhetherARunPlansWaitsOrAppliesAndRequireApprovalIsTheOlderAlways() {
    DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
    assertThat(MigrationRequests.gate(spec, false)).isEqualTo(Gate.APPLY);

    spec.requireApproval = true;
    assertThat(MigrationRequests.gate(spec, false)).isEqualTo(Gate.PLAN_ONLY);
    assertThat(MigrationRequests.gate(spec, true)).isEqualTo(Gate.APPLY);
    assertThat(MigrationRequests.asksApproval(spec, false)).isTrue();

    spec.approval = Approval.Never;
    assertThat(MigrationRequests.gate(spec, false))
        .as("approval set wins over requireApproval")
        .isEqualTo(Gate.APPLY);

    spec.approval = Approval.OnRisk;
    assertThat(MigrationRequests.gate(spec, false)).isEqualTo(Gate.PLAN_THEN_APPLY);
    assertThat(MigrationRequests.gate(spec, true)).isEqualTo(Gate.APPLY);
    assertThat(MigrationRequests.onRisk(spec)).isTrue();
    assertThat(MigrationRequests.threshold(spec)).isEqualTo(Severity.WARNING);
    spec.approvalSeverity = PlanSeverity.Error;
    assertThat(MigrationRequests.threshold(spec)).isEqualTo(Severity.ERROR);

    spec.validateOnly = true;
    assertThat(MigrationRequests.gate(spec, true)).isEqualTo(Gate.PLAN_ONLY);
    assertThat(Gate.PLAN_ONLY.measures()).isTrue();
    assertThat(Gate.APPLY.measures()).isFalse();
  }
}
