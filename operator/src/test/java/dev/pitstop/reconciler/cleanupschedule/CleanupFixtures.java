package dev.pitstop.reconciler.cleanupschedule;

import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.reconciler.databasemigration.MigrationFixtures;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;

/** Builds the CleanupSchedules the tests apply. */
public final class CleanupFixtures {
  static final String NAMESPACE = MigrationFixtures.NAMESPACE;

  private CleanupFixtures() {}

  public static CleanupSchedule schedule(String name, String secret, CleanupRule... rules) {
    CleanupSchedule cls = new CleanupSchedule();
    cls.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    CleanupScheduleSpec spec = new CleanupScheduleSpec();
    spec.database = new DatabaseRef(secret);
    spec.schedule = "0 2 * * *";
    spec.pauseBetweenBatches = "0s";
    spec.rules.addAll(java.util.List.of(rules));
    cls.setSpec(spec);
    return cls;
  }

  public static CleanupRule olderThan(String name, String table, String column, String age) {
    CleanupRule rule = new CleanupRule();
    rule.name = name;
    rule.table = table;
    rule.olderThan = new CleanupRule.OlderThan();
    rule.olderThan.column = column;
    rule.olderThan.age = age;
    return rule;
  }

  public static CleanupRule orphanedBy(
      String name, String table, String column, String parentTable, String parentColumn) {
    CleanupRule rule = new CleanupRule();
    rule.name = name;
    rule.table = table;
    rule.orphanedBy = new CleanupRule.OrphanedBy();
    rule.orphanedBy.column = column;
    rule.orphanedBy.parentTable = parentTable;
    rule.orphanedBy.parentColumn = parentColumn;
    return rule;
  }

  public static CleanupRule where(String name, String table, String where) {
    CleanupRule rule = new CleanupRule();
    rule.name = name;
    rule.table = table;
    rule.where = where;
    return rule;
  }

  public static Secret webhookSecret(String name, String url) {
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build())
        .withStringData(Map.of("url", url))
        .build();
  }
}
