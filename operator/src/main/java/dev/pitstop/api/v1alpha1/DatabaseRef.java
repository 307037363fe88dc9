package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * Where the database is. Keys read from the Secret, first match wins: {@code uri} or {@code
 * jdbc-uri}; else {@code host}, {@code port}, {@code dbname}, {@code user} (or {@code username}),
 * {@code password}, optional {@code sslmode}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseRef {
  @Required
  @JsonPropertyDescription(
      "Secret holding the connection: key 'uri' or 'jdbc-uri', or keys host, port, dbname,"
          + " user/username, password and optional sslmode (CloudNativePG and Crunchy PGO"
          + " Secrets work unchanged).")
  public SecretRef secretRef;

  @Pattern("^[^\\x00]{1,63}$")
  @JsonPropertyDescription("Database to connect to; overrides the Secret's dbname.")
  public String databaseName;

  public DatabaseRef() {}

  public DatabaseRef(String secretName) {
    this.secretRef = new SecretRef(secretName);
  }
}
