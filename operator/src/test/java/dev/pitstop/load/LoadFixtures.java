package dev.pitstop.load;

import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import dev.pitstop.api.v1alpha1.PreservedRows;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The load scenario's resources: per kind {@link #PER_KIND} resources spread round-robin over the
 * databases, each small enough that the run measures the operator, not PostgreSQL.
 */
final class LoadFixtures {
  static final String NAMESPACE = "default";
  static final int PER_KIND = 250;
  static final int DATABASES = 50;

  /** Resources of one kind per database; each has its own slot (history table, sandbox). */
  static final int SLOTS = PER_KIND / DATABASES;

  private LoadFixtures() {}

  static String secretName(int database) {
    return "db-" + database;
  }

  /**
   * The schema each database starts with: one small sandbox per reset, and an empty {@code
   * app_<slot>} per migration (each with its own history, so each migrates into an empty schema).
   */
  static String databaseSetup() {
    StringBuilder sql = new StringBuilder();
    for (int s = 0; s < SLOTS; s++) {
      sql.append("CREATE SCHEMA app_").append(s).append(';');
      String schema = "sandbox_" + s;
      sql.append("CREATE SCHEMA ")
          .append(schema)
          .append(";CREATE TABLE ")
          .append(schema)
          .append(".users (id int PRIMARY KEY, role text NOT NULL);CREATE TABLE ")
          .append(schema)
          .append(".orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES ")
          .append(schema)
          .append(".users (id), created_at timestamptz NOT NULL DEFAULT now());INSERT INTO ")
          .append(schema)
          .append(".users SELECT g, CASE WHEN g = 1 THEN 'admin' ELSE 'user' END")
          .append(" FROM generate_series(1, 20) g;INSERT INTO ")
          .append(schema)
          .append(".orders SELECT g, 1 + g % 20 FROM generate_series(1, 50) g;");
    }
    return sql.toString();
  }

  /**
   * All resources: for resource {@code i} of a kind, database {@code i % DATABASES} and, within it,
   * slot {@code i / DATABASES} (its own history table, sandbox schema).
   */
  static List<HasMetadata> resources(List<String> databaseNames) {
    List<HasMetadata> all = new ArrayList<>();
    for (int i = 0; i < PER_KIND; i++) {
      int database = i % DATABASES;
      int slot = i / DATABASES;
      all.add(migration(i, database, slot));
      all.add(reset(i, database, slot, databaseNames.get(database)));
      all.add(cleanup(i, database, slot));
      all.add(window(i, database, slot == 0));
    }
    return all;
  }

  /** Three small migrations with their own history table. */
  static DatabaseMigration migration(int i, int database, int slot) {
    DatabaseMigration dbm = new DatabaseMigration();
    dbm.setMetadata(meta("dbm-" + i));
    DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
    spec.database = new DatabaseRef(secretName(database));
    spec.historyTable = "app_" + slot + ".history";
    String table = "app_" + slot + ".items";
    spec.source = new ScriptSource();
    spec.source.inline.add(
        new InlineScript(
            "V1__create_items.sql",
            "CREATE TABLE " + table + " (id int PRIMARY KEY, name text NOT NULL);"));
    spec.source.inline.add(
        new InlineScript(
            "V2__seed_items.sql",
            "INSERT INTO " + table + " SELECT g, 'item ' || g FROM generate_series(1, 10) g;"));
    spec.source.inline.add(
        new InlineScript("V3__index_names.sql", "CREATE INDEX ON " + table + " (name);"));
    dbm.setSpec(spec);
    return dbm;
  }

  /** Empties one sandbox schema, keeping the admin, and seeds one user. */
  static SandboxReset reset(int i, int database, int slot, String databaseName) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(meta("sbr-" + i));
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef(secretName(database));
    spec.confirmDatabaseName = databaseName;
    String schema = "sandbox_" + slot;
    spec.schemas = new ArrayList<>(List.of(schema));
    PreservedRows admins = new PreservedRows();
    admins.table = schema + ".users";
    admins.where = "role = 'admin'";
    spec.preserveRows.add(admins);
    spec.seed = new ScriptSource();
    spec.seed.inline.add(
        new InlineScript("01-users.sql", "INSERT INTO " + schema + ".users VALUES (100, 'user');"));
    sbr.setSpec(spec);
    return sbr;
  }

  /** A nightly cleanup whose next run is hours away: expected phase Scheduled. */
  static CleanupSchedule cleanup(int i, int database, int slot) {
    CleanupSchedule cls = new CleanupSchedule();
    cls.setMetadata(meta("cls-" + i));
    CleanupScheduleSpec spec = new CleanupScheduleSpec();
    spec.database = new DatabaseRef(secretName(database));
    // Once a year, so it never fires during the test.
    spec.schedule = "0 3 1 1 *";
    CleanupRule rule = new CleanupRule();
    rule.name = "old-orders";
    rule.table = "sandbox_" + slot + ".orders";
    rule.olderThan = new CleanupRule.OlderThan();
    rule.olderThan.column = "created_at";
    rule.olderThan.age = "365d";
    spec.rules.add(rule);
    cls.setSpec(spec);
    return cls;
  }

  /** An on-demand window on the database; {@code active} ones drain nothing and become Active. */
  static MaintenanceWindow window(int i, int database, boolean active) {
    MaintenanceWindow mw = new MaintenanceWindow();
    mw.setMetadata(meta("mw-" + i));
    MaintenanceWindowSpec spec = new MaintenanceWindowSpec();
    spec.database = new DatabaseRef(secretName(database));
    spec.active = active;
    spec.drain = new Drain();
    spec.drain.timeout = "2m";
    mw.setSpec(spec);
    return mw;
  }

  private static ObjectMeta meta(String name) {
    return new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build();
  }
}
