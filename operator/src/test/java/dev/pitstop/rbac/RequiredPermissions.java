package dev.pitstop.rbac;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's API permissions as listed in the chart's {@code files/permissions.yaml}, the one
 * file the chart's RBAC is rendered from.
 */
public final class RequiredPermissions {
  /** Granted in every watched namespace, or cluster-wide when all are watched. */
  public static final String WATCHED = "watched";

  /** Granted in the leader-election Lease's namespace (the release namespace). */
  public static final String LEASE_NAMESPACE = "leaseNamespace";

  /** Cluster-scoped. */
  public static final String CLUSTER = "cluster";

  /** One rule of the file. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Rule(
      String apiGroup,
      List<String> resources,
      List<String> verbs,
      String scope,
      String when,
      List<String> kinds,
      boolean resourcesPerKind,
      String why) {
    /** Whether this rule applies with leader election on or off. */
    public boolean appliesWith(boolean leaderElection) {
      return when == null || (when.equals("leaderElection") && leaderElection);
    }

    /**
     * The rule as granted while only {@code reconciled} kinds (plural names) are reconciled: empty
     * when it serves only kinds left out, and without the resources of kinds left out.
     */
    public Optional<Rule> forKinds(Set<String> reconciled) {
      if (kinds != null && kinds.stream().noneMatch(reconciled::contains)) {
        return Optional.empty();
      }
      List<String> granted =
          resourcesPerKind
              ? resources.stream().filter(r -> reconciled.contains(r.split("/")[0])).toList()
              : resources;
      return granted.isEmpty()
          ? Optional.empty()
          : Optional.of(
              new Rule(apiGroup, granted, verbs, scope, when, kinds, resourcesPerKind, why));
    }

    /** Every (group, resource, verb) the rule grants. */
    public Set<Permission> permissions() {
      Set<Permission> out = new LinkedHashSet<>();
      for (String resource : resources) {
        for (String verb : verbs) {
          out.add(new Permission(apiGroup, resource, verb));
        }
      }
      return out;
    }
  }

  private record PermissionsFile(List<Rule> rules) {}

  private final List<Rule> rules;

  private RequiredPermissions(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Reads {@code helm/pitstop/files/permissions.yaml}. */
  public static RequiredPermissions load() {
    return load(ProjectFiles.chart().resolve("files/permissions.yaml"));
  }

  static RequiredPermissions load(Path file) {
    try {
      PermissionsFile parsed =
          new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), PermissionsFile.class);
      for (Rule rule : parsed.rules()) {
        if (!Set.of(WATCHED, LEASE_NAMESPACE, CLUSTER).contains(rule.scope())) {
          throw new IllegalStateException(file + ": unknown scope '" + rule.scope() + "'");
        }
        if (rule.when() != null && !rule.when().equals("leaderElection")) {
          throw new IllegalStateException(file + ": unknown when '" + rule.when() + "'");
        }
        if (rule.kinds() != null && !OperatorSettings.KINDS.containsAll(rule.kinds())) {
          throw new IllegalStateException(file + ": unknown kinds " + rule.kinds());
        }
      }
      return new RequiredPermissions(parsed.rules());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rules, in file order. */
  public List<Rule> rules() {
    return rules;
  }

  /** Every permission of rules with {@code scope} that apply with leader election on or off. */
  public Set<Permission> permissions(String scope, boolean leaderElection) {
    return permissions(scope, leaderElection, Set.copyOf(OperatorSettings.KINDS));
  }

  /**
   * Every permission of rules with {@code scope} that apply with leader election on or off, while
   * only the {@code reconciled} kinds are.
   */
  public Set<Permission> permissions(String scope, boolean leaderElection, Set<String> reconciled) {
    Set<Permission> out = new LinkedHashSet<>();
    rules.stream()
        .filter(r -> r.scope().equals(scope) && r.appliesWith(leaderElection))
        .flatMap(r -> r.forKinds(reconciled).stream())
        .forEach(r -> out.addAll(r.permissions()));
    return out;
  }

  /** Every permission of every rule. */
  public Set<Permission> all() {
    Set<Permission> out = new LinkedHashSet<>();
    rules.forEach(r -> out.addAll(r.permissions()));
    return out;
  }
}
