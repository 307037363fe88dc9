package dev.pitstop.operator;

import dev.pitstop.cli.Args;
import dev.pitstop.cli.UsageException;
import dev.pitstop.time.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How the operator runs. Every setting comes from a flag, else an environment variable, else its
 * default: {@code --namespaces} / {@code PITSTOP_NAMESPACES} and so on (see {@link #FLAGS}).
 *
 * @param namespaces namespaces to watch; empty means all
 * @param useSsa patch the primary resources' status with server-side apply
 * @param reconcileThreads concurrent reconciliations (JOSDK executor)
 * @param workerThreads concurrent database operations (engine executor)
 * @param httpPort port of /healthz, /readyz and /metrics; 0 picks a free port
 * @param leaderElection take a Lease before reconciling
 * @param leaseName the Lease's name
 * @param leaseNamespace the Lease's namespace; empty means the operator's own
 * @param poolMaxSize connections per database target
 * @param maxPools database pools open at once; with {@code poolMaxSize} this bounds the operator's
 *     connections ({@code maxPools × poolMaxSize})
 * @param poolIdleTimeout close a database pool unused for this long
 * @param logFormat {@code text} or {@code json}
 * @param kinds the kinds reconciled, by plural name ({@link #KINDS}); a kind left out gets no
 *     controller, so the operator needs none of the permissions only that kind uses
 */
public record OperatorSettings(
    Set<String> namespaces,
    boolean useSsa,
    int reconcileThreads,
    int workerThreads,
    int httpPort,
    boolean leaderElection,
    String leaseName,
    Optional<String> leaseNamespace,
    int poolMaxSize,
    int maxPools,
    Duration poolIdleTimeout,
    String logFormat,
    Set<String> kinds) {

  /** The plural names of the kinds, as {@code --kinds} takes them. */
  public static final List<String> KINDS =
      List.of("databasemigrations", "sandboxresets", "cleanupschedules", "maintenancewindows");

  /** Flags that take a value, each with its environment variable. */
  public static final Map<String, String> FLAGS =
      Map.ofEntries(
          Map.entry("namespaces", "PITSTOP_NAMESPACES"),
          Map.entry("ssa", "PITSTOP_USE_SSA"),
          Map.entry("reconcile-threads", "PITSTOP_RECONCILE_THREADS"),
          Map.entry("worker-threads", "PITSTOP_WORKER_THREADS"),
          Map.entry("http-port", "PITSTOP_HTTP_PORT"),
          Map.entry("leader-election", "PITSTOP_LEADER_ELECTION"),
          Map.entry("lease-name", "PITSTOP_LEASE_NAME"),
          Map.entry("lease-namespace", "PITSTOP_LEASE_NAMESPACE"),
          Map.entry("pool-max-size", "PITSTOP_POOL_MAX_SIZE"),
          Map.entry("max-pools", "PITSTOP_MAX_POOLS"),
          Map.entry("pool-idle-timeout", "PITSTOP_POOL_IDLE_TIMEOUT"),
          Map.entry("log-format", "PITSTOP_LOG_FORMAT"),
          Map.entry("kinds", "PITSTOP_KINDS"));

  /** Defaults for tests and the demo: all namespaces, no SSA, no leader election. */
  public static OperatorSettings defaults() {
    return parse(List.of(), Map.of());
  }

  /** Reads flags first, then environment variables. */
  public static OperatorSettings parse(List<String> args, Map<String, String> env) {
    Args parsed = Args.parse(args, FLAGS.keySet(), Set.of());
    Setting s = new Setting(parsed, env);
    Set<String> namespaces = new LinkedHashSet<>();
    s.get("namespaces")
        .ifPresent(
            v ->
                Arrays.stream(v.split(","))
                    .map(String::trim)
                    .filter(n -> !n.isEmpty())
                    .forEach(namespaces::add));
    String logFormat = s.get("log-format").orElse("text");
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new UsageException("--log-format must be text or json, not '" + logFormat + "'");
    }
    Set<String> kinds = new LinkedHashSet<>();
    s.get("kinds")
        .ifPresentOrElse(
            v ->
                Arrays.stream(v.split(","))
                    .map(String::trim)
                    .filter(k -> !k.isEmpty())
                    .forEach(kinds::add),
            () -> kinds.addAll(KINDS));
    for (String kind : kinds) {
      if (!KINDS.contains(kind)) {
        throw new UsageException(
            "--kinds takes " + String.join(", ", KINDS) + "; '" + kind + "' is not one of them");
      }
    }
    if (kinds.isEmpty()) {
      throw new UsageException("--kinds must name at least one of " + String.join(", ", KINDS));
    }
    return new OperatorSettings(
        Set.copyOf(namespaces),
        s.bool("ssa", true),
        s.integer("reconcile-threads", 10, 1, 200),
        s.integer("worker-threads", 4, 1, 64),
        s.integer("http-port", 8080, 0, 65535),
        s.bool("leader-election", false),
        s.get("lease-name").orElse("pitstop-operator"),
        s.get("lease-namespace").or(() -> Optional.ofNullable(env.get("POD_NAMESPACE"))),
        s.integer("pool-max-size", 4, 1, 100),
        s.integer("max-pools", 32, 1, 1000),
        s.duration("pool-idle-timeout", Duration.ofMinutes(10)),
        logFormat,
        Set.copyOf(kinds));
  }

  /** A copy with server-side apply switched on or off. */
  public OperatorSettings withUseSsa(boolean value) {
    return new OperatorSettings(
        namespaces,
        value,
        reconcileThreads,
        workerThreads,
        httpPort,
        leaderElection,
        leaseName,
        leaseNamespace,
        poolMaxSize,
        maxPools,
        poolIdleTimeout,
        logFormat,
        kinds);
  }

  /** A copy listening on another port. */
  public OperatorSettings withHttpPort(int port) {
    return new OperatorSettings(
        namespaces,
        useSsa,
        reconcileThreads,
        workerThreads,
        port,
        leaderElection,
        leaseName,
        leaseNamespace,
        poolMaxSize,
        maxPools,
        poolIdleTimeout,
        logFormat,
        kinds);
  }

  /** Whether {@code kind} (a plural name of {@link #KINDS}) is reconciled. */
  public boolean reconciles(String kind) {
    return kinds.contains(kind);
  }

  private record Setting(Args args, Map<String, String> env) {
    Optional<String> get(String flag) {
      return args.value(flag)
          .or(() -> Optional.ofNullable(env.get(FLAGS.get(flag))))
          .filter(v -> !v.isBlank());
    }

    boolean bool(String flag, boolean fallback) {
      return get(flag)
          .map(
              v -> {
                if (!v.equals("true") && !v.equals("false")) {
                  throw new UsageException("--" + flag + " must be true or false, not '" + v + "'");
                }
                return Boolean.parseBoolean(v);
              })
          .orElse(fallback);
    }

    int integer(String flag, int fallback, int min, int max) {
      return get(flag)
          .map(
              v -> {
                try {
                  int n = Integer.parseInt(v.trim());
                  if (n < min || n > max) {
                    throw new UsageException(
                        "--" + flag + " must be between " + min + " and " + max + ", not " + n);
                  }
                  return n;
                } catch (NumberFormatException e) {
                  throw new UsageException(
                      "--" + flag + " must be a whole number, not '" + v + "'");
                }
              })
          .orElse(fallback);
    }

    Duration duration(String flag, Duration fallback) {
      return get(flag)
          .map(
              v -> {
                try {
                  return Durations.parse(v, "--" + flag);
                } catch (IllegalArgumentException e) {
                  throw new UsageException(e.getMessage());
                }
              })
          .orElse(fallback);
    }
  }
}
