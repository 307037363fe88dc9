package dev.pitstop.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.KeepsUnknownFields;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A resource written by a newer operator version, with spec and status fields this version does not
 * know (at the top and in nested objects), is read by the operator's client, and writing it back
 * keeps the unknown status fields. fabric8's default serialization refuses the same JSON, which
 * stops the informer of the kind.
 */
class UnknownFieldsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CLEANUP =
      """
      {"apiVersion": "pitstop.dev/v1alpha1", "kind": "CleanupSchedule",
       "metadata": {"name": "nightly", "namespace": "shop"},
       "spec": {"database": {"secretRef": {"name": "app-db", "fromNewer": 1}},
                "schedule": "0 2 * * *",
                "rules": [{"name": "old", "table": "logs",
                           "olderThan": {"column": "at", "age": "30d", "fromNewer": true}}],
                "notify": {"webhookSecretRef": {"name": "slack"}, "fromNewer": "x"},
                "fromNewer": {"nested": [1, 2]}},
       "status": {"phase": "Succeeded", "fromNewer": {"kept": true},
                  "conditions": [{"type": "Ready", "status": "True", "fromNewer": "c"}],
                  "lastRun": {"result": "Succeeded", "fromNewer": 7,
                              "rules": [{"name": "old", "deleted": 3, "fromNewer": "r"}]}}}
      """;

  private static final String MIGRATION =
      """
      {"apiVersion": "pitstop.dev/v1alpha1", "kind": "DatabaseMigration",
       "metadata": {"name": "app", "namespace": "shop"},
       "spec": {"database": {"secretRef": {"name": "app-db"}, "fromNewer": 1},
                "source": {"inline": [{"name": "V1__a.sql", "sql": "SELECT 1", "fromNewer": 2}]},
                "fromNewer": 3},
       "status": {"phase": "Succeeded", "fromNewer": 4,
                  "lastApplied": [{"version": "1", "fromNewer": 5}],
                  "failure": {"message": "m", "fromNewer": 6}}}
      """;

  private static final String RESET =
      """
      {"apiVersion": "pitstop.dev/v1alpha1", "kind": "SandboxReset",
       "metadata": {"name": "sandbox", "namespace": "shop"},
       "spec": {"database": {"secretRef": {"name": "app-db"}}, "confirmDatabaseName": "app",
                "preserveRows": [{"table": "plans", "where": "true", "fromNewer": 1}],
                "fromNewer": 2},
       "status": {"phase": "Succeeded", "fromNewer": 3,
                  "plan": {"order": ["a"], "fromNewer": 4},
                  "history": [{"result": "Succeeded", "fromNewer": 5}]}}
      """;

  private static final String WINDOW =
      """
      {"apiVersion": "pitstop.dev/v1alpha1", "kind": "MaintenanceWindow",
       "metadata": {"name": "release", "namespace": "shop"},
       "spec": {"active": true, "drain": {"fromNewer": 1}, "fromNewer": 2},
       "status": {"phase": "Active", "fromNewer": 3,
                  "drain": {"step": "done", "fromNewer": 4,
                            "workloads": [{"kind": "Deployment", "name": "web",
                                           "originalReplicas": 2, "fromNewer": 5}]}}}
      """;

  private final KubernetesSerialization operator = OperatorClient.serialization();

  @Test
  void theOperatorReadsEveryKindWithUnknownFieldsAndWritesTheStatusOnesBack() throws Exception {
    assertRoundTrip(
        CLEANUP,
        CleanupSchedule.class,
        "/status/fromNewer/kept",
        "/status/conditions/0/fromNewer",
        "/status/lastRun/fromNewer",
        "/status/lastRun/rules/0/fromNewer");
    assertRoundTrip(
        MIGRATION,
        DatabaseMigration.class,
        "/status/fromNewer",
        "/status/lastApplied/0/fromNewer",
        "/status/failure/fromNewer");
    assertRoundTrip(
        RESET,
        SandboxReset.class,
        "/status/fromNewer",
        "/status/plan/fromNewer",
        "/status/history/0/fromNewer");
    assertRoundTrip(
        WINDOW,
        MaintenanceWindow.class,
        "/status/fromNewer",
        "/status/drain/fromNewer",
        "/status/drain/workloads/0/fromNewer");
  }

  @Test
  void fabric8sDefaultSerializationRefusesThem() {
    KubernetesSerialization strict = new KubernetesSerialization();
    for (String json : List.of(CLEANUP, MIGRATION, RESET, WINDOW)) {
      assertThatThrownBy(() -> strict.unmarshal(json, kind(json)))
          .hasRootCauseInstanceOf(UnrecognizedPropertyException.class)
          .rootCause()
          .hasMessageContaining("fromNewer");
    }
  }

  @Test
  void knownFieldsAreStillRead() {
    CleanupSchedule cleanup = operator.unmarshal(CLEANUP, CleanupSchedule.class);
    assertThat(cleanup.getSpec().database.secretRef.name).isEqualTo("app-db");
    assertThat(cleanup.getSpec().rules.get(0).olderThan.age).isEqualTo("30d");
    assertThat(cleanup.getStatus().lastRun.rules.get(0).deleted).isEqualTo(3L);
    assertThat(cleanup.getStatus().conditions.get(0).status).isEqualTo("True");
  }

  /**
   * Every class of a status tree keeps unknown fields, so one added later cannot forget it: a
   * status update would drop what a newer version wrote in it.
   */
  @Test
  void everyStatusClassKeepsUnknownFields() {
    Set<Class<?>> classes = new LinkedHashSet<>();
    for (Class<?> status :
        List.of(
            CleanupScheduleStatus.class,
            DatabaseMigrationStatus.class,
            SandboxResetStatus.class,
            MaintenanceWindowStatus.class)) {
      collect(status, classes);
    }
    assertThat(classes).hasSizeGreaterThan(15);
    assertThat(classes).allSatisfy(c -> assertThat(KeepsUnknownFields.class).isAssignableFrom(c));
  }

  private void assertRoundTrip(String json, Class<?> type, String... keptStatusFields)
      throws Exception {
    Object read = operator.unmarshal(json, type);
    JsonNode written = JSON.readTree(operator.asJson(read));
    // The server-side apply path sends a clone of the resource (StatusPatch).
    JsonNode applied = JSON.readTree(operator.asJson(operator.clone(read)));
    for (String field : keptStatusFields) {
      assertThat(written.at(field).isMissingNode())
          .as("%s: %s is written back", type.getSimpleName(), field)
          .isFalse();
      assertThat(written.at(field)).isEqualTo(JSON.readTree(json).at(field));
      assertThat(applied.at(field)).isEqualTo(JSON.readTree(json).at(field));
    }
    assertThat(written.at("/spec").toString())
        .as("%s: unknown spec fields are only ignored (the operator never writes a spec)", type)
        .doesNotContain("fromNewer");
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends CustomResource<?, ?>> kind(String json) throws Exception {
    String kind = JSON.readTree(json).path("kind").asText();
    return (Class<? extends CustomResource<?, ?>>)
        Class.forName("dev.pitstop.api.v1alpha1." + kind);
  }

  private static void collect(Class<?> type, Set<Class<?>> classes) {
    if (!type.getPackageName().equals("dev.pitstop.api.v1alpha1")
        || type.isEnum()
        || !classes.add(type)) {
      return;
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        for (Class<?> used : classesIn(field.getGenericType())) {
          collect(used, classes);
        }
      }
    }
  }

  private static List<Class<?>> classesIn(Type type) {
    List<Class<?>> found = new ArrayList<>();
    if (type instanceof Class<?> c) {
      found.add(c);
    } else if (type instanceof ParameterizedType p) {
      found.addAll(classesIn(p.getRawType()));
      for (Type argument : p.getActualTypeArguments()) {
        found.addAll(classesIn(argument));
      }
    }
    return found;
  }
}
