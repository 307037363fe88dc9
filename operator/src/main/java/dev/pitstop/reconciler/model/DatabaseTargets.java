package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.DataSourceRegistry;
import dev.pitstop.database.InvalidConnectionSettingsException;
import dev.pitstop.database.TargetKey;
import dev.pitstop.logging.KnownSecrets;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;

/** Turns a resource's {@code spec.database} into a pooled connection to that database. */
public final class DatabaseTargets {
  private final DataSourceRegistry registry;

  public DatabaseTargets(DataSourceRegistry registry) {
    this.registry = registry;
  }

  /**
   * A resolved database: where it is and a pool for it.
   *
   * @param databaseNameFrom where the database's name is set ({@link #databaseNameFrom}), to name
   *     in the message when that database does not exist
   */
  public record Target(
      TargetKey key, ConnectionSettings settings, DataSource dataSource, String databaseNameFrom) {}

  /**
   * Resolves {@code ref}.
   *
   * @param resource the resource holding the reference (its namespace is the only one allowed)
   * @param field the spec path of {@code ref}, e.g. {@code spec.database}
   * @param secrets looks up a Secret of the resource's namespace (from the informer cache)
   */
  public Target resolve(
      HasMetadata resource,
      DatabaseRef ref,
      String field,
      Function<String, Optional<Secret>> secrets)
      throws SpecException {
    String secretName = secretName(resource, ref, field);
    Map<String, String> keys = keys(secretName, field, secrets);
    ConnectionSettings settings = settings(secretName, keys, ref, field);
    TargetKey key =
        TargetKey.ofSecret(
            resource.getMetadata().getNamespace(), ref.secretRef.name, settings.databaseName());
    return new Target(
        key, settings, registry.dataSource(key, settings), databaseNameFrom(ref, field, keys));
  }

  /**
   * A pool for {@code target} as it was resolved before, with the connection settings it had then:
   * for a caller that must finish work on that database after its Secret is gone.
   */
  public DataSource reopen(Target target) {
    return registry.dataSource(target.key(), target.settings());
  }

  /**
   * A pool of its own for {@code target} as it was resolved before, beside the pool its key serves
   * now: for work that must go on on that database while the resource's Secret points to another
   * one (with the same key, sharing the key's pool would replace it back and forth).
   */
  public DataSource reopenApart(Target target) {
    return registry.dataSource(
        new TargetKey(target.key().value() + "@as-opened"), target.settings());
  }

  /**
   * Where the database name of {@code ref} is set, for a user to correct: {@code
   * spec.database.databaseName} when set, else the Secret's key that holds it ({@code dbname}, or
   * the path of {@code uri} / {@code jdbc-uri}).
   *
   * @param keys the Secret's decoded keys
   */
  static String databaseNameFrom(DatabaseRef ref, String field, Map<String, String> keys) {
    if (ref.databaseName != null && !ref.databaseName.isBlank()) {
      return field + ".databaseName";
    }
    String secret = "Secret '" + ref.secretRef.name + "'";
    for (String key : new String[] {"uri", "jdbc-uri"}) {
      String value = keys.get(key);
      if (value != null && !value.isBlank()) {
        return "the database in key '"
            + key
            + "' of "
            + secret
            + " (or set "
            + field
            + ".databaseName)";
      }
    }
    return "key 'dbname' of " + secret + " (or set " + field + ".databaseName)";
  }

  /**
   * Reads the connection settings of {@code ref} from its Secret, remembering every credential in
   * it with {@link KnownSecrets} so that none is ever shown.
   *
   * @param resource the resource holding the reference (its namespace is the only one allowed)
   * @param field the spec path of {@code ref}, e.g. {@code spec.database}
   * @param secrets looks up a Secret of the resource's namespace
   */
  public static ConnectionSettings settings(
      HasMetadata resource,
      DatabaseRef ref,
      String field,
      Function<String, Optional<Secret>> secrets)
      throws SpecException {
    String secretName = secretName(resource, ref, field);
    return settings(secretName, keys(secretName, field, secrets), ref, field);
  }

  /** The decoded keys of Secret {@code secretName}, its credentials made known for redaction. */
  private static Map<String, String> keys(
      String secretName, String field, Function<String, Optional<Secret>> secrets)
      throws SpecException {
    Secret secret =
        secrets
            .apply(secretName)
            .orElseThrow(
                () ->
                    SpecException.missingReference(
                        "SecretNotFound",
                        field + ".secretRef: Secret '" + secretName + "' does not exist"));
    Map<String, String> keys = SecretKeys.of(secret);
    keys.values().forEach(KnownSecrets::addIfCredential);
    return keys;
  }

  private static ConnectionSettings settings(
      String secretName, Map<String, String> keys, DatabaseRef ref, String field)
      throws SpecException {
    ConnectionSettings settings;
    try {
      settings = ConnectionSettings.fromSecret(secretName, keys, ref.databaseName);
    } catch (InvalidConnectionSettingsException e) {
      throw SpecException.missingReference(
          "InvalidSecret", field + ".secretRef: " + KnownSecrets.redact(e.getMessage()));
    }
    KnownSecrets.add(settings.password());
    return settings;
  }

  /** The referenced Secret's name, checking that it is in the resource's own namespace. */
  public static String secretName(HasMetadata resource, DatabaseRef ref, String field)
      throws SpecException {
    if (ref == null || ref.secretRef == null || isBlank(ref.secretRef.name)) {
      throw SpecException.invalid(field + ".secretRef.name is required");
    }
    String namespace = resource.getMetadata().getNamespace();
    if (!isBlank(ref.secretRef.namespace) && !ref.secretRef.namespace.equals(namespace)) {
      throw SpecException.invalid(
          field
              + ".secretRef.namespace: the Secret must be in namespace '"
              + namespace
              + "'; cross-namespace references ('"
              + ref.secretRef.namespace
              + "') are refused");
    }
    return ref.secretRef.name;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
