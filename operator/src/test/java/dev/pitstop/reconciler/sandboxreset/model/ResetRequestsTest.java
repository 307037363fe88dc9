package dev.pitstop.reconciler.sandboxreset.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.ResetAfterwards;
import dev.pitstop.api.v1alpha1.ResetTriggerMode;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reset.TriggerMode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading a SandboxReset's spec: searchPath reaches the request and the run digest. */
class ResetRequestsTest {

  private static SandboxReset resource(List<String> searchPath) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName("sandbox").withNamespace("ns").build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef("sandbox-db");
    spec.confirmDatabaseName = "sandbox";
    spec.searchPath = searchPath;
    sbr.setSpec(spec);
    return sbr;
  }

  private static ResetRequests prepare(List<String> searchPath) throws SpecException {
    return ResetRequests.prepare(resource(searchPath), name -> Optional.empty());
  }

  @Test
  void searchPathReachesTheRequestAndChangesTheRunDigest() throws SpecException {
    ResetRequests without = prepare(null);
    ResetRequests with = prepare(List.of("musicbrainz", "public"));

    assertThat(without.request().searchPath()).isEmpty();
    assertThat(with.request().searchPath()).containsExactly("musicbrainz", "public");
    assertThat(with.runDigest()).isNotEqualTo(without.runDigest());
    assertThat(prepare(List.of("public", "musicbrainz")).runDigest())
        .isNotEqualTo(with.runDigest());
  }

  @Test
  void aQualifiedSearchPathEntryIsRefusedNamingTheField() {
    SpecException e = catchThrowableOfType(SpecException.class, () -> prepare(List.of("a.b")));

    assertThat(e.getMessage()).contains("spec.searchPath[0] must be a schema name");
  }

  @Test
  void keepHistoryTablesReachesTheRequestAndOnlyFalseChangesTheRunDigest() throws SpecException {
    SandboxReset unset = resource(null);
    unset.getSpec().keepHistoryTables = null;
    SandboxReset kept = resource(null);
    SandboxReset emptied = resource(null);
    emptied.getSpec().keepHistoryTables = false;

    ResetRequests unsetRequests = ResetRequests.prepare(unset, name -> Optional.empty());
    ResetRequests keptRequests = ResetRequests.prepare(kept, name -> Optional.empty());
    ResetRequests emptiedRequests = ResetRequests.prepare(emptied, name -> Optional.empty());

    assertThat(unsetRequests.request().keepHistoryTables()).isTrue();
    assertThat(emptiedRequests.request().keepHistoryTables()).isFalse();
    assertThat(keptRequests.runDigest())
        .as("true is what every reset did before the field existed")
        .isEqualTo(unsetRequests.runDigest());
    assertThat(emptiedRequests.runDigest()).isNotEqualTo(keptRequests.runDigest());
  }

  @Test
  void triggersReachTheRequestAndOnlyDisableChangesTheRunDigest() throws SpecException {
    SandboxReset unset = resource(null);
    unset.getSpec().triggers = null;
    SandboxReset keep = resource(null);
    keep.getSpec().triggers = ResetTriggerMode.KEEP;
    SandboxReset disable = resource(null);
    disable.getSpec().triggers = ResetTriggerMode.DISABLE;

    ResetRequests unsetRequests = ResetRequests.prepare(unset, name -> Optional.empty());
    ResetRequests keepRequests = ResetRequests.prepare(keep, name -> Optional.empty());
    ResetRequests disableRequests = ResetRequests.prepare(disable, name -> Optional.empty());

    assertThat(unsetRequests.request().triggers()).isEqualTo(TriggerMode.KEEP);
    assertThat(disableRequests.request().triggers()).isEqualTo(TriggerMode.DISABLE);
    assertThat(keepRequests.runDigest())
        .as("keep is what every reset did before the field existed")
        .isEqualTo(unsetRequests.runDigest());
    assertThat(disableRequests.runDigest()).isNotEqualTo(keepRequests.runDigest());
  }

  @Test
  void afterResetReachesTheRequestAndIsASettingThatStartsNoRun() throws SpecException {
    SandboxReset plain = resource(null);
    SandboxReset after = resource(null);
    after.getSpec().afterReset = new ResetAfterwards(true, true);

    ResetRequests without = ResetRequests.prepare(plain, name -> Optional.empty());
    ResetRequests with = ResetRequests.prepare(after, name -> Optional.empty());

    assertThat(without.request().vacuumAnalyze()).isFalse();
    assertThat(without.request().refreshMaterializedViews()).isFalse();
    assertThat(with.request().vacuumAnalyze()).isTrue();
    assertThat(with.request().refreshMaterializedViews()).isTrue();
    assertThat(with.runDigest()).isEqualTo(without.runDigest());
  }

  /**
   * The same reset written another way is the same run: kept tables and schemas in another order, a
   * schema name in capitals (PostgreSQL folds it), seed sources in another order, and
   * spec.runRequestId (a request, compared on its own). What earlier versions digested (the spec as
   * written) is kept beside it, so a status that recorded it runs nothing after an upgrade.
   */
  @Test
  void theSameResetWrittenAnotherWayHasTheSameRunDigest() throws SpecException {
    SandboxReset plain = resource(null);
    plain.getSpec().schemas = List.of("public", "shop");
    plain.getSpec().preserveTables = List.of("tasks", "audit_*");
    plain.getSpec().seed = seeds("a", "b");
    SandboxReset rewritten = resource(null);
    rewritten.getSpec().schemas = List.of("SHOP", "public");
    rewritten.getSpec().preserveTables = List.of("audit_*", "tasks");
    rewritten.getSpec().seed = seeds("b", "a");
    rewritten.getSpec().runRequestId = "ticket-1";
    SandboxReset other = resource(null);
    other.getSpec().schemas = List.of("public", "shop");
    other.getSpec().preserveTables = List.of("tasks");
    other.getSpec().seed = seeds("a", "b");

    ResetRequests one = ResetRequests.prepare(plain, ResetRequestsTest::seedMap);
    ResetRequests two = ResetRequests.prepare(rewritten, ResetRequestsTest::seedMap);
    ResetRequests three = ResetRequests.prepare(other, ResetRequestsTest::seedMap);

    assertThat(two.runDigest()).isEqualTo(one.runDigest());
    assertThat(three.runDigest()).as("fewer kept tables").isNotEqualTo(one.runDigest());
    assertThat(two.earlierRunDigest())
        .as("earlier versions digested the spec as written")
        .isNotEqualTo(one.earlierRunDigest());
    assertThat(ResetRequests.prepare(resource(null), name -> Optional.empty()).runDigest())
        .as("the seeds' scripts count")
        .isNotEqualTo(
            ResetRequests.prepare(withSeeds(resource(null)), ResetRequestsTest::seedMap)
                .runDigest());
  }

  private static SandboxReset withSeeds(SandboxReset sbr) {
    sbr.getSpec().seed = seeds("a");
    return sbr;
  }

  private static ScriptSource seeds(String... configMaps) {
    ScriptSource source = new ScriptSource();
    for (String name : configMaps) {
      source.configMapRefs.add(new LocalObjectRef(name));
    }
    return source;
  }

  private static Optional<ConfigMap> seedMap(String name) {
    return Optional.of(
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .addToData(name + "_seed.sql", "INSERT INTO t VALUES ('" + name + "');")
            .build());
  }
}
