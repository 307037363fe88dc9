import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Quotes the mapping keys of YAML files that a YAML 1.1 reader would not read as strings.
 *
 * <p>kubectl, Helm and Argo CD read YAML 1.1: a plain key {@code on}, {@code off}, {@code yes} or
 * {@code no} is a boolean there, so a CRD property written {@code on:} reaches the API server as
 * {@code "true"}. The CRD generator writes keys plain (YAML 1.2, where they are strings); the build
 * runs this on the generated CRDs so that each such key is written {@code "on":}. Everything else
 * in the files stays byte for byte as generated.
 *
 * <p>Run with SnakeYAML (a YAML 1.1 parser) on the class path: {@code java -cp CLASSPATH
 * QuoteYaml11Keys.java FOLDER} rewrites the {@code .yml} and {@code .yaml} files of FOLDER.
 */
public final class QuoteYaml11Keys {
  private QuoteYaml11Keys() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: QuoteYaml11Keys FOLDER");
    }
    List<Path> files;
    try (Stream<Path> entries = Files.list(Path.of(args[0]))) {
      files = entries.filter(f -> f.toString().matches(".*\\.ya?ml$")).sorted().toList();
    }
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String quoted = quote(text);
      if (!quoted.equals(text)) {
        Files.writeString(file, quoted, StandardCharsets.UTF_8);
        System.out.println("quoted YAML 1.1 keys in " + file.getFileName());
      }
    }
  }

  /** {@code text} with every plain mapping key that YAML 1.1 resolves to a non-string quoted. */
  static String quote(String text) {
    List<int[]> keys = new ArrayList<>();
    for (Node document : new Yaml().composeAll(new StringReader(text))) {
      collect(document, keys);
    }
    // Marks count code points; insert from the end so earlier positions stay valid.
    keys.sort(Comparator.comparingInt((int[] k) -> k[0]).reversed());
    int[] codePoints = text.codePoints().toArray();
    for (int[] key : keys) {
      int[] widened = new int[codePoints.length + 2];
      System.arraycopy(codePoints, 0, widened, 0, key[0]);
      widened[key[0]] = '"';
      System.arraycopy(codePoints, key[0], widened, key[0] + 1, key[1] - key[0]);
      widened[key[1] + 1] = '"';
      System.arraycopy(codePoints, key[1], widened, key[1] + 2, codePoints.length - key[1]);
      codePoints = widened;
    }
    return new String(codePoints, 0, codePoints.length);
  }

  private static void collect(Node node, List<int[]> keys) {
    if (node instanceof MappingNode mapping) {
      for (NodeTuple entry : mapping.getValue()) {
        if (entry.getKeyNode() instanceof ScalarNode key
            && key.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN
            && !Tag.STR.equals(key.getTag())) {
          keys.add(new int[] {key.getStartMark().getIndex(), key.getEndMark().getIndex()});
        }
        collect(entry.getKeyNode(), keys);
        collect(entry.getValueNode(), keys);
      }
    } else if (node instanceof SequenceNode sequence) {
      sequence.getValue().forEach(child -> collect(child, keys));
    }
  }
}
