package dev.pitstop.cli;

import dev.pitstop.operator.OperatorCommand;
import java.util.Map;

/** The commands the jar offers, in the order {@code help} lists them. */
final class CommandCatalog {
  private CommandCatalog() {}

  static void register(Map<String, Command> commands) {
    commands.put("operator", new OperatorCommand());
    commands.put("reset", new ResetCommand());
  }
}
