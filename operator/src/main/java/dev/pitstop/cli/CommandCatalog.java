package dev.pitstop.cli;

import dev.pitstop.demo.DemoCommand;
import dev.pitstop.operator.OperatorCommand;
import java.util.Map;

/** The commands the jar offers, in the order {@code help} lists them. */
final class CommandCatalog {
  private CommandCatalog() {}

  static void register(Map<String, Command> commands) {
    commands.put("operator", new OperatorCommand());
    commands.put("demo", new DemoCommand());
    commands.put(MigrateCommand.NAME, new MigrateCommand());
    commands.put(StatusCommand.NAME, new StatusCommand());
    commands.put(ValidateCommand.NAME, new ValidateCommand());
    commands.put(RunCommand.NAME, new RunCommand());
    commands.put(MaintenanceCommand.NAME, new MaintenanceCommand());
    commands.put("cleanup", new CleanupCommand());
    commands.put("reset", new ResetCommand());
  }
}
