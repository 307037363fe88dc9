package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real kubectl, run as a user runs it, against one kubeconfig. */
final class Kubectl {
  private final Path binary;
  private final Path kubeconfig;

  Kubectl(Path binary, Path kubeconfig) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
  }

  /** The same kubectl as another user. */
  Kubectl as(Path otherKubeconfig) {
    return new Kubectl(binary, otherKubeconfig);
  }

  /** What one kubectl command did. */
  record Result(List<String> args, int exitCode, String out, String err) {
    /** Both streams, for assertion messages. */
    String output() {
      return out + err;
    }

    @Override
    public String toString() {
      return "kubectl " + String.join(" ", args) + " → exit " + exitCode + "\n" + out + err;
    }
  }

  /** Runs kubectl with {@code args}. */
  Result run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs kubectl with {@code args} and {@code stdin} on its standard input. */
  Result runWithInput(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig");
    command.add(kubeconfig.toString());
    command.addAll(List.of(args));
    return start(new ProcessBuilder(command), stdin, args);
  }

  /**
   * Runs {@code kubectl args} with the plugins of {@code pluginDir} on PATH, as a user who
   * installed them there; the kubeconfig comes from KUBECONFIG, since kubectl finds a plugin only
   * when its name comes before any flag.
   */
  Result plugin(Path pluginDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder
        .environment()
        .put("PATH", pluginDir + java.io.File.pathSeparator + System.getenv("PATH"));
    builder
        .environment()
        .put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return start(builder, null, args);
  }

  private static Result start(ProcessBuilder builder, String stdin, String... args) {
    try {
      Process process = builder.start();
      CompletableFuture<String> err =
          CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      try (var in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String out = read(process.getInputStream());
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " hung");
      }
      return new Result(List.of(args), process.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs kubectl and requires exit code 0; returns its standard output. */
  String ok(String... args) {
    Result result = run(args);
    assertThat(result.exitCode()).as("%s", result).isZero();
    return result.out();
  }

  /**
   * {@code kubectl get events -n NAMESPACE --field-selector SELECTOR [OUTPUT...]}, e.g. the
   * selector {@code involvedObject.name=app,reason=MigrationSucceeded}; requires success.
   */
  String events(String namespace, String selector, String... output) {
    List<String> args =
        new ArrayList<>(List.of("get", "events", "-n", namespace, "--field-selector", selector));
    args.addAll(List.of(output));
    return ok(args.toArray(String[]::new));
  }

  /** {@code kubectl apply --server-side -f -} of {@code yaml}; requires success. */
  String apply(String yaml) {
    Result result = runWithInput(yaml, "apply", "--server-side", "-f", "-");
    assertThat(result.exitCode()).as("%s", result).isZero();
    return result.out();
  }

  /** {@code kubectl apply --server-side -f FILE}; requires success. */
  String apply(Path file) {
    return ok("apply", "--server-side", "-f", file.toString());
  }

  /** Writes {@code yaml} to a file a user would keep in Git. */
  static Path write(Path dir, String name, String yaml) {
    try {
      Files.createDirectories(dir);
      return Files.writeString(dir.resolve(name), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
