package dev.pitstop.reconciler.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A digest of what a run does: the spec without the fields that only shape how or when it runs,
 * plus the content of what it references (scripts). Two specs with the same digest do the same
 * work, so a change that leaves it equal starts no run. A field added to a spec later counts as
 * changing what a run does until it is listed as a setting.
 */
public final class RunDigest {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private RunDigest() {}

  /**
   * @param spec the resource's spec
   * @param settings the spec's top-level fields that change nothing a run does
   * @param content digests of referenced content, e.g. {@link SourceScripts#digest()}
   */
  public static String of(Object spec, Collection<String> settings, String... content) {
    return of(spec, settings, Map.of(), content);
  }

  /**
   * Like {@link #of(Object, Collection, String...)}, leaving out the fields that have the value
   * {@code laterDefaults} gives them: fields added to the spec later, so that their default (which
   * the API server fills in on an upgrade) keeps the digest of an existing resource, and starts no
   * run.
   */
  public static String of(
      Object spec,
      Collection<String> settings,
      Map<String, Object> laterDefaults,
      String... content) {
    Map<String, Object> fields =
        new TreeMap<>(JSON.convertValue(spec, new TypeReference<Map<String, Object>>() {}));
    fields.keySet().removeAll(settings);
    laterDefaults.forEach((name, value) -> fields.remove(name, value));
    fields.values().removeIf(v -> v == null);
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(JSON.writeValueAsString(fields).getBytes(StandardCharsets.UTF_8));
      for (String c : content) {
        md.update((byte) 0);
        md.update(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest(), 0, 12);
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
