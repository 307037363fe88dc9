package dev.pitstop.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.cli.Cli;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.testing.ProjectFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shell block of the README and docs/ is checked as far as this machine allows: bash parses
 * it; each command is one a reader has (no typo'd program); Pitstop's own commands and options are
 * the ones the CLI accepts (run through the real CLI, which refuses an unknown command or option
 * before it does anything); {@code --set} keys of helm commands are values of the chart; Maven
 * profiles and modules exist; and the repository paths the commands name exist.
 */
class DocCommandsTest {
  private static final Pattern BLOCK =
      Pattern.compile("(?m)^([ \\t]*)```(sh|bash|shell|console)\\n(.*?)^\\1```", Pattern.DOTALL);

  /** Programs the documented commands may run. */
  private static final Set<String> PROGRAMS =
      Set.of(
          "java",
          "pitstop",
          "mvn",
          "kubectl",
          "helm",
          "git",
          "docker",
          "curl",
          "grep",
          "sed",
          "echo",
          "sleep",
          "kill",
          "eval",
          "chmod",
          "cat",
          "install",
          "cd",
          "export",
          "for",
          "do",
          "done",
          "e2e/build-control-plane.sh",
          "e2e/control-plane.sh");

  /** A documented shell block: its file, and its text. */
  record Block(String file, String text) {}

  /** A simple command of a block: the words, after prompts, comments and continuations. */
  record Command(String file, String line, List<String> words) {}

  static List<Block> blocks() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(ProjectFiles.root().resolve("README.md"));
    try (Stream<Path> docs = Files.list(ProjectFiles.docs())) {
      docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<Block> blocks = new ArrayList<>();
    for (Path file : files) {
      Matcher m = BLOCK.matcher(Files.readString(file));
      while (m.find()) {
        String indent = m.group(1);
        String text =
            m.group(3)
                .lines()
                .map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l)
                .reduce("", (a, b) -> a + b + "\n");
        blocks.add(new Block(file.getFileName().toString(), text));
      }
    }
    return blocks;
  }

  /**
   * The commands of a block; a console block's output lines (no {@code $ } prompt) are left out.
   */
  static List<Command> commands(Block block) {
    boolean console = block.text().lines().anyMatch(l -> l.startsWith("$ "));
    // Continuation lines: a backslash at the end, or a synopsis going on with [--option ...].
    String joined = block.text().replace("\\\n", " ").replaceAll("\n\\s+\\[", " [");
    List<Command> out = new ArrayList<>();
    for (String raw : joined.lines().toList()) {
      String line = raw.strip();
      if (console) {
        if (!line.startsWith("$ ")) {
          continue;
        }
        line = line.substring(2);
      }
      line = line.replaceAll("\\s+#.*$", "").replaceAll("^#.*$", "");
      // A synopsis ([--option a|b]) is one command; otherwise split at the shell's separators.
      String[] parts =
          line.contains("[--") ? new String[] {line} : line.split("\\s*(&&|;|\\||&(?!\\S))\\s*");
      for (String part : parts) {
        List<String> words = words(part.strip());
        if (!words.isEmpty()) {
          out.add(new Command(block.file(), line, words));
        }
      }
    }
    return out;
  }

  /** Shell words, with single and double quotes removed. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    Matcher m = Pattern.compile("'([^']*)'|\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S+)").matcher(text);
    while (m.find()) {
      words.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
    }
    // A word like --set 'a={b,c}' comes as one token only when written without spaces; keep it.
    return words;
  }

  private static List<Command> allCommands() throws IOException {
    return blocks().stream().flatMap(b -> commands(b).stream()).toList();
  }

  @Test
  void thereAreCommandsToCheck() throws IOException {
    List<Command> commands = allCommands();
    assertThat(commands).hasSizeGreaterThan(30);
    assertThat(commands)
        .anySatisfy(c -> assertThat(c.words()).anyMatch(w -> w.endsWith("pitstop.jar")));
  }

  @Test
  void bashParsesEveryBlock() throws Exception {
    List<String> refused = new ArrayList<>();
    for (Block block : blocks()) {
      if (block.text().lines().anyMatch(l -> l.startsWith("$ "))) {
        continue; // a transcript with output lines
      }
      // Placeholders such as <command> or <new version> are words for the reader, not redirects.
      String text = block.text().replaceAll("<([a-z][a-z ]*)>", "PLACEHOLDER");
      Process bash = new ProcessBuilder("bash", "-n").redirectErrorStream(true).start();
      bash.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      bash.getOutputStream().close();
      String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
      if (bash.exitValue() != 0) {
        refused.add(block.file() + ":\n" + block.text() + output);
      }
    }
    assertThat(refused).as("shell blocks bash cannot parse").isEmpty();
  }

  @Test
  void everyCommandIsAProgramAReaderHas() throws IOException {
    List<String> unknown = new ArrayList<>();
    for (Command c : allCommands()) {
      String program = c.words().get(0);
      if (program.contains("=") && !program.startsWith("-")) {
        continue; // VAR=value prefix or assignment
      }
      if (!PROGRAMS.contains(program)) {
        unknown.add(c.file() + ": " + c.line());
      }
    }
    assertThat(unknown).as("commands of unknown programs").isEmpty();
  }

  @Test
  void pitstopCommandsAndOptionsAreOnesTheCliAccepts() throws IOException {
    Cli cli = Cli.withFirst(Map.of());
    List<String> refused = new ArrayList<>();
    int checked = 0;
    for (Command c : allCommands()) {
      List<String> args = pitstopArgs(c.words());
      if (args == null || args.isEmpty() || args.get(0).startsWith("<")) {
        continue;
      }
      String command = args.get(0);
      List<String> options =
          args.stream().filter(a -> a.startsWith("--") || a.startsWith("[--")).toList();
      if (command.equals("operator")) {
        for (String option : options) {
          String flag = option.replaceAll("^\\[?--", "").replaceAll("[=\\]].*$", "");
          if (!OperatorSettings.FLAGS.containsKey(flag)) {
            refused.add(c.file() + ": " + c.line() + " → operator has no --" + flag);
          }
        }
        checked++;
        continue;
      }
      if (command.equals("demo") || command.equals("help")) {
        checked++;
        continue;
      }
      // Each option on its own, as the CLI reads it first: an unknown one is refused by name
      // before anything connects or reads a file.
      List<List<String>> runs = new ArrayList<>();
      if (options.isEmpty() || !c.line().contains("[")) {
        runs.add(args);
      }
      for (String option : options) {
        String flag = option.replaceAll("^\\[", "").replaceAll("[=\\]].*$", "");
        runs.add(List.of(command, flag));
      }
      for (List<String> run : runs) {
        String err = runCli(cli, run);
        for (String sign :
            List.of("unknown command", "unknown option", "takes no value", "needs a command")) {
          if (err.contains(sign)) {
            refused.add(c.file() + ": " + c.line() + " → " + err.strip());
          }
        }
      }
      checked++;
    }
    assertThat(checked).as("documented pitstop invocations").isGreaterThan(5);
    assertThat(refused).as("documented commands the CLI refuses").isEmpty();
  }

  /** The arguments after {@code pitstop} or {@code java -jar ...pitstop(-demo).jar}; else null. */
  private static List<String> pitstopArgs(List<String> words) {
    if (words.get(0).equals("pitstop")) {
      return words.subList(1, words.size());
    }
    if (words.get(0).equals("java")) {
      int jar = words.indexOf("-jar");
      if (jar >= 0
          && jar + 1 < words.size()
          && words.get(jar + 1).matches(".*pitstop(-demo)?\\.jar")) {
        return words.subList(jar + 2, words.size());
      }
    }
    return null;
  }

  private static String runCli(Cli cli, List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // A database nobody listens on: whatever passes the options fails to connect, changing nothing.
    cli.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of("PITSTOP_DATABASE_URL", "postgresql://127.0.0.1:1/nothing"));
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helmSetsNameValuesOfTheChart() throws IOException {
    JsonNode values =
        new ObjectMapper(new YAMLFactory())
            .readTree(ProjectFiles.chart().resolve("values.yaml").toFile());
    List<String> unknown = new ArrayList<>();
    int checked = 0;
    for (Command c : allCommands()) {
      List<String> w = c.words();
      if (!w.get(0).equals("helm")) {
        continue;
      }
      for (int i = 0; i < w.size() - 1; i++) {
        if (w.get(i).equals("--set")) {
          String key = w.get(i + 1).split("=", 2)[0];
          JsonNode node = values;
          for (String part : key.split("\\.")) {
            if (node.isObject() && node.isEmpty()) {
              break; // a free-form map such as labels: {}, whose keys are the user's
            }
            node = node.path(part);
          }
          if (node.isMissingNode()) {
            unknown.add(c.file() + ": " + key);
          }
          checked++;
        }
      }
      if (w.size() > 1 && List.of("install", "upgrade", "template").contains(w.get(1))) {
        assertThat(w).as("%s: %s", c.file(), c.line()).contains("./helm/pitstop");
      }
    }
    assertThat(checked).isPositive();
    assertThat(unknown).as("--set keys that are not chart values").isEmpty();
  }

  @Test
  void mavenProfilesAndModulesExist() throws IOException {
    String poms =
        Files.readString(ProjectFiles.root().resolve("pom.xml"))
            + Files.readString(ProjectFiles.root().resolve("operator/pom.xml"));
    List<String> unknown = new ArrayList<>();
    for (Command c : allCommands()) {
      List<String> w = c.words();
      if (!w.get(0).equals("mvn")) {
        continue;
      }
      for (int i = 1; i < w.size(); i++) {
        String word = w.get(i);
        if (word.startsWith("-P") && !poms.contains("<id>" + word.substring(2) + "</id>")) {
          unknown.add(c.file() + ": profile " + word);
        }
        if (word.equals("-pl")
            && Arrays.stream(w.get(i + 1).split(","))
                .anyMatch(m -> !Files.isRegularFile(ProjectFiles.root().resolve(m + "/pom.xml")))) {
          unknown.add(c.file() + ": modules " + w.get(i + 1));
        }
      }
    }
    assertThat(unknown).isEmpty();
  }

  @Test
  void repositoryPathsTheCommandsNameExist() throws IOException {
    List<String> missing = new ArrayList<>();
    Pattern repoPath =
        Pattern.compile("^(\\./)?(examples|docs|e2e|helm|crds|operator/src|demo/src)(/.*)?$");
    for (Command c : allCommands()) {
      for (String word : c.words()) {
        String path = word.replaceAll("^--[a-z-]+=", "");
        if (repoPath.matcher(path).matches() && !Files.exists(ProjectFiles.root().resolve(path))) {
          missing.add(c.file() + ": " + path);
        }
      }
    }
    assertThat(missing).as("paths the documented commands name").isEmpty();
  }
}
