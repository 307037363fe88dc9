package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.InvalidConnectionSettingsException;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.reconciler.model.SecretKeys;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pitstop cleanup -f cleanup.yaml [--dry-run] [--database-url URL]}: runs the file's
 * CleanupSchedule once, now, and prints progress and the resulting status as YAML. Exit 0 when it
 * succeeded or stopped cleanly (Incomplete), 1 when it failed, 2 for bad input (including a rule
 * the database refuses; nothing is deleted then).
 */
public final class CleanupCommand implements Command {
  private final LocalRunner<CleanupSchedule> runner;

  public CleanupCommand() {
    this(new CleanupScheduleLocalRunner());
  }

  CleanupCommand(LocalRunner<CleanupSchedule> runner) {
    this.runner = runner;
  }

  @Override
  public String summary() {
    return "run a CleanupSchedule manifest once, now: -f cleanup.yaml [--dry-run]";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env)
      throws Exception {
    Args parsed = Args.parse(shortFlags(args), Set.of("file", "database-url"), Set.of("dry-run"));
    if (!parsed.positional().isEmpty()) {
      throw new UsageException("unexpected argument '" + parsed.positional().get(0) + "'");
    }
    Path file =
        Path.of(parsed.value("file").orElseThrow(() -> new UsageException("-f FILE is required")));
    Manifest manifest = Manifest.read(file);
    CleanupSchedule resource = theSchedule(manifest, file);
    if (resource.getSpec() == null) {
      throw new UsageException(file + ": CleanupSchedule has no spec");
    }
    if (parsed.flag("dry-run")) {
      resource.getSpec().dryRun = true;
    }
    if (resource.getMetadata().getNamespace() == null
        || resource.getMetadata().getNamespace().isBlank()) {
      resource.getMetadata().setNamespace("default");
    }
    String namespace = resource.getMetadata().getNamespace();
    ConnectionSettings settings = connection(parsed, env, resource, manifest, file);
    try (CommandDatabase database = CommandDatabase.open(settings).requireReachable()) {
      LocalContext context =
          new LocalContext(
              database.dataSource(),
              settings,
              name -> manifest.configMap(namespace, name),
              name -> manifest.secret(namespace, name),
              out,
              err,
              false);
      int code = runner.run(resource, context);
      out.print(KnownSecrets.redact(Serialization.asYaml(resource.getStatus())));
      return code;
    }
  }

  /** The one CleanupSchedule of the file, read strictly. */
  private static CleanupSchedule theSchedule(Manifest manifest, Path file) {
    String kind = HasMetadata.getKind(CleanupSchedule.class);
    String apiVersion = Pitstop.GROUP + "/" + Pitstop.VERSION;
    for (Manifest.Document document : manifest.documents()) {
      if (document.kind().equals(kind) && !document.apiVersion().equals(apiVersion)) {
        throw new UsageException(
            manifest.where(document)
                + ": apiVersion "
                + document.apiVersion()
                + " is not supported; use "
                + apiVersion);
      }
      if (document.isPitstop() && !document.kind().equals(kind)) {
        throw new UsageException(
            manifest.where(document)
                + ": kind "
                + document.kind()
                + " is not a CleanupSchedule; cleanup -f runs a CleanupSchedule (run -f runs the"
                + " other kinds)");
      }
    }
    List<Manifest.Document> schedules =
        manifest.pitstopResources().stream().filter(d -> d.kind().equals(kind)).toList();
    if (schedules.size() != 1) {
      throw new UsageException(
          file
              + " must hold exactly one CleanupSchedule"
              + (schedules.isEmpty() ? ", it holds none" : ", it holds " + schedules.size()));
    }
    CleanupSchedule schedule = manifest.convert(schedules.get(0), CleanupSchedule.class);
    if (schedule.getMetadata() == null) {
      schedule.setMetadata(new ObjectMeta());
    }
    return schedule;
  }

  /** {@code -f FILE} is the usual spelling (kubectl's); Args knows only long options. */
  private static List<String> shortFlags(List<String> args) {
    List<String> out = new ArrayList<>();
    for (String arg : args) {
      out.add(arg.equals("-f") ? "--file" : arg);
    }
    return out;
  }

  /** --database-url, else $PITSTOP_DATABASE_URL, else $DATABASE_URL, else the file's Secret. */
  private static ConnectionSettings connection(
      Args args, Map<String, String> env, CleanupSchedule resource, Manifest manifest, Path file) {
    Optional<String> url =
        args.value("database-url")
            .or(() -> Optional.ofNullable(env.get("PITSTOP_DATABASE_URL")))
            .or(() -> Optional.ofNullable(env.get("DATABASE_URL")))
            .filter(v -> !v.isBlank());
    try {
      if (url.isPresent()) {
        KnownSecrets.addIfCredential(url.get());
        ConnectionSettings settings = ConnectionSettings.fromUrl(url.get());
        KnownSecrets.add(settings.password());
        return DatabaseUrl.withLibpqPassword(settings, env);
      }
      var ref = resource.getSpec().database;
      String secretName = ref == null || ref.secretRef == null ? null : ref.secretRef.name;
      Optional<Secret> secret =
          secretName == null
              ? Optional.empty()
              : manifest.secret(resource.getMetadata().getNamespace(), secretName);
      if (secret.isEmpty()) {
        throw new UsageException(
            "no database: give --database-url, set PITSTOP_DATABASE_URL or DATABASE_URL"
                + (secretName == null ? "" : ", or put Secret '" + secretName + "' in " + file));
      }
      Map<String, String> keys = SecretKeys.of(secret.get());
      keys.values().forEach(KnownSecrets::addIfCredential);
      ConnectionSettings settings =
          ConnectionSettings.fromSecret(secretName, keys, ref.databaseName);
      KnownSecrets.add(settings.password());
      return DatabaseUrl.withLibpqPassword(settings, env);
    } catch (InvalidConnectionSettingsException e) {
      throw new UsageException(KnownSecrets.redact(e.getMessage()));
    }
  }
}
