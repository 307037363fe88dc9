package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.ScriptSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Gathers SQL scripts from a {@link ScriptSource}: every key of the referenced ConfigMaps, then the
 * inline entries. A name given twice is refused, naming both places.
 *
 * @param scripts script name to SQL, in name order
 * @param digest a digest of names and contents, to notice when a ConfigMap changed
 */
public record SourceScripts(Map<String, String> scripts, String digest) {

  /**
   * Collects the scripts.
   *
   * @param source the spec's source (may be null: no scripts)
   * @param field the spec path of {@code source}, for messages, e.g. {@code spec.source}
   * @param configMaps looks up a ConfigMap of the resource's namespace by name
   */
  public static SourceScripts collect(
      ScriptSource source, String field, Function<String, Optional<ConfigMap>> configMaps)
      throws SpecException {
    Map<String, String> scripts = new TreeMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    if (source != null) {
      List<LocalObjectRef> refs = source.configMapRefs == null ? List.of() : source.configMapRefs;
      for (int i = 0; i < refs.size(); i++) {
        String where = field + ".configMapRefs[" + i + "]";
        String name = refs.get(i).name;
        ConfigMap configMap =
            configMaps
                .apply(name)
                .orElseThrow(
                    () ->
                        SpecException.missingReference(
                            "ConfigMapNotFound",
                            where + ": ConfigMap '" + name + "' does not exist"));
        Map<String, String> data = configMap.getData() == null ? Map.of() : configMap.getData();
        for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
          add(scripts, origins, e.getKey(), e.getValue(), "ConfigMap '" + name + "'");
        }
      }
      List<InlineScript> inline = source.inline == null ? List.of() : source.inline;
      for (int i = 0; i < inline.size(); i++) {
        InlineScript script = inline.get(i);
        String where = field + ".inline[" + i + "]";
        if (script.name == null || script.name.isBlank()) {
          throw SpecException.invalid(where + ".name is required");
        }
        if (script.sql == null) {
          throw SpecException.invalid(where + ".sql is required");
        }
        add(scripts, origins, script.name, script.sql, where);
      }
    }
    return new SourceScripts(Map.copyOf(scripts), digest(scripts));
  }

  private static void add(
      Map<String, String> scripts,
      Map<String, String> origins,
      String name,
      String sql,
      String origin)
      throws SpecException {
    String previous = origins.putIfAbsent(name, origin);
    if (previous != null) {
      throw SpecException.invalid(
          "script " + name + " is defined twice, in " + previous + " and in " + origin);
    }
    scripts.put(name, sql);
  }

  /** Scripts as (name, sql) pairs in name order. */
  public List<Map.Entry<String, String>> entries() {
    return new ArrayList<>(new TreeMap<>(scripts).entrySet());
  }

  private static String digest(Map<String, String> scripts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : scripts.entrySet()) {
        md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
