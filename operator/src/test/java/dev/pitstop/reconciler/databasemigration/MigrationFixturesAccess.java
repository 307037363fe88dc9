package dev.pitstop.reconciler.databasemigration;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Map;

/** {@link MigrationFixtures} for tests in other packages. */
public final class MigrationFixturesAccess {
  private MigrationFixturesAccess() {}

  public static Secret secret(String name, String jdbcUrl, String user, String password) {
    return MigrationFixtures.secret(name, jdbcUrl, user, password);
  }

  public static ConfigMap configMap(String name, Map<String, String> files) {
    return MigrationFixtures.configMap(name, files);
  }

  public static DatabaseMigration migration(String name, String secret, String configMap) {
    return MigrationFixtures.migration(name, secret, configMap);
  }
}
