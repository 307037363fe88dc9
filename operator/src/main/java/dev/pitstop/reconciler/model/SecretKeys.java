package dev.pitstop.reconciler.model;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** The keys of a Secret as text: {@code data} decoded, then {@code stringData} on top. */
public final class SecretKeys {
  private SecretKeys() {}

  /** Every key of {@code secret} with its decoded value; keys without a value are left out. */
  public static Map<String, String> of(Secret secret) {
    Map<String, String> keys = new HashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) -> {
                if (v != null) {
                  keys.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
                }
              });
    }
    if (secret.getStringData() != null) {
      keys.putAll(secret.getStringData());
    }
    return keys;
  }
}
