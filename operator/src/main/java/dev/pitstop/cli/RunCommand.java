package dev.pitstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pitstop run -f MANIFEST.yaml}: runs the one Pitstop resource of a manifest once, locally,
 * with the engine and status computation the operator uses, then prints its status as YAML, as
 * {@code kubectl get -o yaml} would show it. ConfigMaps and Secrets it references are taken from
 * the same file; the database from {@code --database-url} (or the environment), else the Secret.
 */
public final class RunCommand implements Command {
  static final String NAME = "run";
  private static final String DEFAULT_NAMESPACE = "default";

  /** Keys sorted and long lines kept whole, as {@code kubectl get -o yaml} prints. */
  private static final ObjectMapper STATUS_YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .disable(YAMLGenerator.Feature.SPLIT_LINES)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .build();

  private final LocalRunners runners;

  public RunCommand() {
    this(LocalRunners.standard());
  }

  public RunCommand(LocalRunners runners) {
    this.runners = runners;
  }

  @Override
  public String summary() {
    return "run the Pitstop resource of -f MANIFEST.yaml once, locally; print its status as YAML";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env)
      throws Exception {
    Args parsed =
        Args.parse(
                args,
                Set.of("file", DatabaseUrl.OPTION),
                Set.of("approve", "quiet"),
                Map.of("f", "file", "q", "quiet"))
            .withoutPositional();
    parsed.required("file");
    Manifest manifest =
        Manifest.read(parsed.values("file").stream().map(RunCommand::path).toList());
    Manifest.Document document = theResource(manifest);
    if (!LocalRunners.isPitstopKind(document.kind())) {
      throw new UsageException(
          manifest.where(document)
              + ": unknown kind "
              + document.kind()
              + "; Pitstop's kinds are "
              + String.join(", ", LocalRunners.kindNames()));
    }
    if (!document.apiVersion().equals(Pitstop.GROUP + "/" + Pitstop.VERSION)) {
      throw new UsageException(
          manifest.where(document)
              + ": apiVersion "
              + document.apiVersion()
              + " is not supported; use "
              + Pitstop.GROUP
              + "/"
              + Pitstop.VERSION);
    }
    LocalRunner<?> runner =
        runners
            .forKind(document.kind())
            .orElseThrow(
                () ->
                    new UsageException("run -f does not support kind " + document.kind() + " yet"));
    PrintStream progress =
        parsed.flag("quiet") ? new PrintStream(OutputStream.nullOutputStream()) : out;
    return execute(runner, manifest, document, parsed, env, progress, out, err);
  }

  private static Path path(String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new UsageException("-f " + text + " is not a valid path");
    }
  }

  private static Manifest.Document theResource(Manifest manifest) {
    List<Manifest.Document> resources = manifest.pitstopResources();
    if (resources.isEmpty()) {
      throw new UsageException(
          manifest.describeSources()
              + " contains no Pitstop resource (apiVersion "
              + Pitstop.GROUP
              + "/"
              + Pitstop.VERSION
              + ")");
    }
    if (resources.size() > 1) {
      throw new UsageException(
          manifest.describeSources()
              + " contains "
              + resources.size()
              + " Pitstop resources ("
              + String.join(", ", resources.stream().map(Manifest.Document::describe).toList())
              + "); run -f runs exactly one, so put each in its own file");
    }
    return resources.get(0);
  }

  private static <R extends CustomResource<?, ?>> int execute(
      LocalRunner<R> runner,
      Manifest manifest,
      Manifest.Document document,
      Args args,
      Map<String, String> env,
      PrintStream progress,
      PrintStream out,
      PrintStream err)
      throws Exception {
    R resource = manifest.convert(document, runner.type());
    String namespace = prepareMetadata(resource);
    ConnectionSettings settings = connection(manifest, document, resource, namespace, args, env);
    int code;
    try (CommandDatabase database = CommandDatabase.open(settings)) {
      database.requireReachable();
      LocalContext context =
          new LocalContext(
              database.dataSource(),
              settings,
              name -> manifest.configMap(namespace, name),
              name -> manifest.secret(namespace, name),
              progress,
              err,
              args.flag("approve"));
      code = runner.run(resource, context);
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("status", resource.getStatus());
    out.print(STATUS_YAML.writeValueAsString(status));
    return code;
  }

  /**
   * Fills in what the API server would: the namespace ({@code default}) and generation (1) of a new
   * object.
   *
   * @return the namespace
   */
  private static String prepareMetadata(CustomResource<?, ?> resource) {
    ObjectMeta metadata =
        resource.getMetadata() == null ? new ObjectMeta() : resource.getMetadata();
    resource.setMetadata(metadata);
    if (metadata.getNamespace() == null || metadata.getNamespace().isBlank()) {
      metadata.setNamespace(DEFAULT_NAMESPACE);
    }
    if (metadata.getGeneration() == null) {
      metadata.setGeneration(1L);
    }
    return metadata.getNamespace();
  }

  /** {@code --database-url} or the environment, else the Secret {@code spec.database} names. */
  private static ConnectionSettings connection(
      Manifest manifest,
      Manifest.Document document,
      CustomResource<?, ?> resource,
      String namespace,
      Args args,
      Map<String, String> env) {
    Optional<ConnectionSettings> given = DatabaseUrl.find(args, env);
    if (given.isPresent()) {
      return given.get();
    }
    JsonNode database = document.node().path("spec").path("database");
    DatabaseRef ref =
        database.isObject() ? manifest.convert(document, database, DatabaseRef.class) : null;
    try {
      return DatabaseUrl.withLibpqPassword(
          DatabaseTargets.settings(
              resource, ref, "spec.database", name -> manifest.secret(namespace, name)),
          env);
    } catch (SpecException e) {
      throw new UsageException(
          manifest.where(document)
              + ": "
              + e.getMessage()
              + "; put that Secret in the manifest or give --database-url");
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          manifest.where(document)
              + ": the Secret's data is not valid base64 ("
              + e.getMessage()
              + ")");
    }
  }
}
