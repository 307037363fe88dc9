package dev.pitstop.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command-line options: {@code --name value}, {@code --name=value}, short aliases such as {@code -f
 * value}, repeatable options and boolean flags. Unknown options are refused so a typo never
 * silently changes behaviour.
 */
public final class Args {
  private final Map<String, List<String>> values = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  private Args() {}

  /**
   * Parses {@code args}.
   *
   * @param withValue options that take a value
   * @param flags options that take none
   */
  public static Args parse(List<String> args, Set<String> withValue, Set<String> flags) {
    return parse(args, withValue, flags, Map.of());
  }

  /**
   * Parses {@code args}.
   *
   * @param withValue options that take a value
   * @param flags options that take none
   * @param aliases short options and the long option each stands for, e.g. {@code "f" -> "file"}
   *     for {@code -f}
   */
  public static Args parse(
      List<String> args, Set<String> withValue, Set<String> flags, Map<String, String> aliases) {
    Args parsed = new Args();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-") || arg.equals("-")) {
        parsed.positional.add(arg);
        continue;
      }
      String name;
      if (arg.startsWith("--")) {
        name = arg.substring(2);
      } else if (aliases.containsKey(arg.substring(1))) {
        name = aliases.get(arg.substring(1));
      } else {
        throw new UsageException("unknown option " + arg);
      }
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null && !value.equals("true") && !value.equals("false")) {
          throw new UsageException("--" + name + " takes no value (or true/false)");
        }
        parsed
            .values
            .computeIfAbsent(name, k -> new ArrayList<>())
            .add(value == null ? "true" : value);
      } else if (withValue.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new UsageException("--" + name + " needs a value");
          }
          value = args.get(++i);
        }
        parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        throw new UsageException("unknown option --" + name);
      }
    }
    return parsed;
  }

  /** The last value given for {@code name}. */
  public Optional<String> value(String name) {
    List<String> list = values.get(name);
    return list == null || list.isEmpty()
        ? Optional.empty()
        : Optional.of(list.get(list.size() - 1));
  }

  /** A value that must be present. */
  public String required(String name) {
    return value(name).orElseThrow(() -> new UsageException("--" + name + " is required"));
  }

  /** Every value given for a repeatable option, in order. */
  public List<String> values(String name) {
    return List.copyOf(values.getOrDefault(name, List.of()));
  }

  /** Whether a flag was given (and not set to false). */
  public boolean flag(String name) {
    return value(name).map(Boolean::parseBoolean).orElse(false);
  }

  /** Refuses arguments that are not options, for commands that take none. */
  public Args withoutPositional() {
    if (!positional.isEmpty()) {
      throw new UsageException("unexpected argument '" + positional.get(0) + "'");
    }
    return this;
  }

  /** Arguments that are not options. */
  public List<String> positional() {
    return List.copyOf(positional);
  }
}
