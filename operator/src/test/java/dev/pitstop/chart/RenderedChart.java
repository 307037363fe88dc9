package dev.pitstop.chart;

import com.marcnuri.helm.Helm;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Helm chart rendered by the real helm (embedded through helm-java), as Kubernetes objects.
 *
 * @param text what {@code helm template} printed
 * @param objects the objects, in order
 */
public record RenderedChart(String text, List<HasMetadata> objects) {
  static final String RELEASE = "pitstop";
  static final String NAMESPACE = "pitstop-system";
  static final String FULLNAME = "pitstop";

  // The oldest Kubernetes the chart supports (Chart.yaml kubeVersion); embedded helm assumes 1.20.
  static final String KUBERNETES_VERSION = "1.28.0";

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  /** Renders the chart with its defaults. */
  public static RenderedChart withDefaults() {
    return with("{}");
  }

  /**
   * Renders the chart with {@code valuesYaml} on top of its defaults.
   *
   * @throws IllegalStateException with helm's error when the chart refuses the values
   */
  public static RenderedChart with(String valuesYaml) {
    return with(valuesYaml, RELEASE);
  }

  /**
   * Renders the chart as release {@code release} with {@code valuesYaml} on top of its defaults.
   */
  public static RenderedChart with(String valuesYaml, String release) {
    return parse(template(valuesYaml, release, KUBERNETES_VERSION));
  }

  /** What {@code helm template} prints for {@code valuesYaml}. */
  static String template(String valuesYaml) {
    return template(valuesYaml, RELEASE, KUBERNETES_VERSION);
  }

  /**
   * What {@code helm template} prints for {@code valuesYaml}, as release {@code release} for a
   * cluster of Kubernetes {@code kubeVersion}.
   *
   * @throws IllegalStateException with helm's error when the chart refuses
   */
  static String template(String valuesYaml, String release, String kubeVersion) {
    Path values = null;
    try {
      values = Files.createTempFile("pitstop-values-", ".yaml");
      Files.writeString(values, valuesYaml);
      return new Helm(ProjectFiles.chart())
          .template()
          .withName(release)
          .withNamespace(NAMESPACE)
          .withKubeVersion(kubeVersion)
          .withValuesFile(values)
          .call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (values != null) {
        try {
          Files.deleteIfExists(values);
        } catch (IOException e) {
          // a leftover temp file is harmless
        }
      }
    }
  }

  private static RenderedChart parse(String text) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(text)) {
      boolean onlyComments =
          document.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"));
      if (!onlyComments) {
        objects.add(Serialization.unmarshal(document, HasMetadata.class));
      }
    }
    return new RenderedChart(text, List.copyOf(objects));
  }

  /** Every object of a type. */
  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Every object of a kind, e.g. for kinds without a fabric8 class. */
  List<HasMetadata> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  /** The object of a type with a name, if rendered. */
  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  /** The operator's Deployment. */
  Deployment deployment() {
    List<Deployment> deployments = all(Deployment.class);
    if (deployments.size() != 1) {
      throw new AssertionError("expected one Deployment, rendered " + deployments.size());
    }
    return deployments.get(0);
  }
}
