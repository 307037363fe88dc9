package dev.pitstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The JSON trees of a YAML file's documents, read the way kubectl reads a file: an alias ({@code
 * *name}) is the value its anchor ({@code &name}) marked, a merge key ({@code <<: *base}) adds the
 * keys of the anchored mapping that the mapping does not set itself, and a key given twice in one
 * mapping is an error naming it. (Jackson's YAML parser reads an alias as a string holding the
 * anchor's name and keeps the last of duplicate keys, so the tree is built here from SnakeYAML's
 * node graph.) Scalars are typed as Jackson types them: {@code true}/{@code false}, integers and
 * floats, {@code null}/{@code ~}/empty; everything else is a string.
 *
 * <p>Aliases are expanded into copies, at most {@link #MAX_ALIAS_NODES} values in all, so that a
 * small file of nested aliases (a "billion laughs") cannot exhaust memory.
 */
final class YamlTree {
  /** The most values aliases may expand to in one file. */
  static final int MAX_ALIAS_NODES = 100_000;

  /** The deepest nesting of mappings and sequences. */
  static final int MAX_DEPTH = 100;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern BOOLEAN = Pattern.compile("true|True|TRUE|false|False|FALSE");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?(0|[1-9][0-9_]*)");
  private static final Pattern FLOAT =
      Pattern.compile("[-+]?([0-9][0-9_]*)?\\.?[0-9_]*([eE][-+]?[0-9]+)?");

  private final Path file;
  private final Map<Node, JsonNode> converted = new IdentityHashMap<>();
  private final Set<Node> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
  private int documentNumber;
  private int aliasNodes;

  private YamlTree(Path file) {
    this.file = file;
  }

  /**
   * Every document of {@code text}; {@link NullNode} for an empty one.
   *
   * @throws UsageException for an unknown alias, a duplicate key, too many aliases or a tree too
   *     deep
   * @throws org.yaml.snakeyaml.error.YAMLException when the text is not YAML
   */
  static List<JsonNode> documents(Path file, String text, LoaderOptions options) {
    YamlTree tree = new YamlTree(file);
    List<JsonNode> documents = new ArrayList<>();
    for (Node node : new Yaml(options).composeAll(new StringReader(text))) {
      tree.documentNumber++;
      tree.converted.clear(); // an anchor applies within its document only
      documents.add(node == null ? NullNode.getInstance() : tree.value(node, "", 0));
    }
    return documents;
  }

  private JsonNode value(Node node, String path, int depth) {
    JsonNode done = converted.get(node);
    if (done != null) {
      return copy(done, node, path);
    }
    if (inProgress.contains(node)) {
      throw new UsageException(where(node) + ": " + describe(path) + " contains itself");
    }
    if (depth > MAX_DEPTH) {
      throw new UsageException(
          where(node) + ": " + describe(path) + " is nested more than " + MAX_DEPTH + " deep");
    }
    inProgress.add(node);
    JsonNode value;
    if (node instanceof MappingNode mapping) {
      value = mapping(mapping, path, depth + 1);
    } else if (node instanceof SequenceNode sequence) {
      ArrayNode array = NODES.arrayNode();
      for (Node item : sequence.getValue()) {
        array.add(value(item, path + "[" + array.size() + "]", depth + 1));
      }
      value = array;
    } else {
      value = scalar((ScalarNode) node);
    }
    inProgress.remove(node);
    converted.put(node, value);
    return value;
  }

  private ObjectNode mapping(MappingNode mapping, String path, int depth) {
    ObjectNode object = NODES.objectNode();
    List<JsonNode> merged = new ArrayList<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      String key = key(keyNode, path);
      String keyPath = path.isEmpty() ? key : path + "." + key;
      JsonNode value = value(tuple.getValueNode(), keyPath, depth);
      if (Tag.MERGE.equals(keyNode.getTag())) {
        merged.add(value);
        continue;
      }
      if (object.has(key)) {
        throw new UsageException(
            where(keyNode)
                + ": "
                + keyPath
                + " is given twice; a key may appear once in a mapping");
      }
      object.set(key, value);
    }
    for (JsonNode source : merged) {
      for (JsonNode map : source.isArray() ? source : List.of(source)) {
        if (!map.isObject()) {
          throw new UsageException(
              where(mapping)
                  + ": the merge key << of "
                  + describe(path)
                  + " must name a mapping or a list of mappings");
        }
        for (Map.Entry<String, JsonNode> field : map.properties()) {
          if (!object.has(field.getKey())) {
            object.set(field.getKey(), field.getValue().deepCopy());
          }
        }
      }
    }
    return object;
  }

  private String key(Node keyNode, String path) {
    if (keyNode instanceof ScalarNode scalar) {
      return scalar.getValue();
    }
    throw new UsageException(
        where(keyNode) + ": " + describe(path) + " has a key that is not a string");
  }

  private static JsonNode scalar(ScalarNode scalar) {
    String text = scalar.getValue();
    Tag tag = scalar.getTag();
    if (Tag.NULL.equals(tag)) {
      return NullNode.getInstance();
    }
    if (Tag.BOOL.equals(tag) && BOOLEAN.matcher(text).matches()) {
      return NODES.booleanNode(text.toLowerCase(Locale.ROOT).equals("true"));
    }
    if (Tag.INT.equals(tag)) {
      JsonNode number = integer(text);
      if (number != null) {
        return number;
      }
    }
    if (Tag.FLOAT.equals(tag) && FLOAT.matcher(text).matches()) {
      try {
        return NODES.numberNode(Double.parseDouble(text.replace("_", "")));
      } catch (NumberFormatException e) {
        return NODES.textNode(text);
      }
    }
    return NODES.textNode(text);
  }

  private static JsonNode integer(String text) {
    String digits = text.replace("_", "");
    BigInteger value;
    try {
      if (DECIMAL.matcher(text).matches()) {
        value = new BigInteger(digits);
      } else if (digits.matches("[-+]?0x[0-9a-fA-F]+")) {
        value = new BigInteger(digits.replaceFirst("0x", ""), 16);
      } else if (digits.matches("[-+]?0b[01]+")) {
        value = new BigInteger(digits.replaceFirst("0b", ""), 2);
      } else if (digits.matches("[-+]?0[0-7]+")) {
        value = new BigInteger(digits, 8);
      } else {
        return null;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    if (value.bitLength() < 32) {
      return NODES.numberNode(value.intValue());
    }
    return value.bitLength() < 64 ? NODES.numberNode(value.longValue()) : NODES.numberNode(value);
  }

  private JsonNode copy(JsonNode value, Node node, String path) {
    if (!value.isContainerNode()) {
      return value;
    }
    aliasNodes += count(value);
    if (aliasNodes > MAX_ALIAS_NODES) {
      throw new UsageException(
          where(node)
              + ": aliases expand to more than "
              + MAX_ALIAS_NODES
              + " values (at "
              + describe(path)
              + ")");
    }
    return value.deepCopy();
  }

  private static int count(JsonNode node) {
    int count = 1;
    for (JsonNode child : node) {
      count += count(child);
    }
    return count;
  }

  private String where(Node node) {
    Mark mark = node.getStartMark();
    return file
        + ": document "
        + documentNumber
        + (mark == null ? "" : ", line " + (mark.getLine() + 1));
  }

  private static String describe(String path) {
    return path.isEmpty() ? "the document" : path;
  }
}
