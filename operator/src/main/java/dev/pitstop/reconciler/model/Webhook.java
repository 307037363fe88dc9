package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.logging.KnownSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where notifications go: a webhook URL read from a Secret key (a credential, so it is redacted
 * wherever it could be printed), or why there is none.
 *
 * @param url the webhook URL, or null
 * @param problem one sentence naming the field, when the URL could not be read
 */
public record Webhook(String url, String problem) {

  /**
   * Reads {@code ref} (key {@code url} unless named).
   *
   * @param field the spec path of {@code ref}, for the problem's sentence
   * @param secrets looks up a Secret of the resource's namespace
   */
  public static Webhook of(
      CleanupScheduleSpec.SecretKeyRef ref,
      String field,
      Function<String, Optional<Secret>> secrets) {
    if (ref == null || ref.name == null) {
      return new Webhook(null, null);
    }
    String key = ref.key == null ? "url" : ref.key;
    Optional<Secret> secret = secrets.apply(ref.name);
    if (secret.isEmpty()) {
      return new Webhook(null, field + ": Secret '" + ref.name + "' does not exist");
    }
    String url = SecretKeys.of(secret.get()).get(key);
    if (url == null || url.isBlank()) {
      return new Webhook(null, field + ": Secret '" + ref.name + "' has no key '" + key + "'");
    }
    KnownSecrets.add(url.trim());
    return new Webhook(url.trim(), null);
  }
}
