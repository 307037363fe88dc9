package dev.pitstop.reconciler.sandboxreset.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.ResetAfterwards;
import dev.pitstop.api.v1alpha1.ResetTriggerMode;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reset.TriggerMode;
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
}
