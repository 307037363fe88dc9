package dev.pitstop.database;

import java.util.Objects;

/**
 * Which database a pool serves, e.g. {@code shop/app-db/app}: one pool per key.
 *
 * @param value the key as text; also used in pool names, logs and metrics tags
 */
public record TargetKey(String value) {

  public TargetKey {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("a target key must not be blank");
    }
  }

  /** The key of a resource's {@code spec.database}: {@code namespace/secretName[/databaseName]}. */
  public static TargetKey ofSecret(String namespace, String secretName, String databaseName) {
    String base = namespace + "/" + secretName;
    return new TargetKey(
        databaseName == null || databaseName.isBlank() ? base : base + "/" + databaseName.trim());
  }

  @Override
  public String toString() {
    return value;
  }
}
