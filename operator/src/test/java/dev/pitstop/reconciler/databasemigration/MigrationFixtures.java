package dev.pitstop.reconciler.databasemigration;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.ScriptSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.URI;
import java.util.Map;

/** Builds the Kubernetes objects the DatabaseMigration tests apply. */
public final class MigrationFixtures {
  public static final String NAMESPACE = "default";

  private MigrationFixtures() {}

  /** A Secret in the host/port/dbname/username/password layout for a JDBC URL. */
  public static Secret secret(String name, String jdbcUrl, String user, String password) {
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    String dbname = uri.getPath().substring(1);
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build())
        .withStringData(
            Map.of(
                "host", uri.getHost(),
                "port", String.valueOf(uri.getPort()),
                "dbname", dbname,
                "username", user,
                "password", password))
        .build();
  }

  public static ConfigMap configMap(String name, Map<String, String> files) {
    return new ConfigMapBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build())
        .withData(files)
        .build();
  }

  public static DatabaseMigration migration(String name, String secret, String configMap) {
    DatabaseMigration dbm = new DatabaseMigration();
    dbm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
    spec.database = new DatabaseRef(secret);
    spec.source = new ScriptSource();
    spec.source.configMapRefs.add(new LocalObjectRef(configMap));
    dbm.setSpec(spec);
    return dbm;
  }
}
