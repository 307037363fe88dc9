package dev.pitstop.cli;

import java.util.Map;

/** The commands the jar offers, in the order {@code help} lists them. */
final class CommandCatalog {
  /** Commands of the project's other jars, with where to find them: run here, they say so. */
  static final Map<String, String> ELSEWHERE =
      Map.of("demo", "the demo is in its own jar (java -jar demo/target/pitstop-demo.jar demo)");

  private CommandCatalog() {}

  static void register(Map<String, Command> commands) {
    commands.put(MigrateCommand.NAME, new MigrateCommand());
    commands.put(StatusCommand.NAME, new StatusCommand());
    commands.put(ValidateCommand.NAME, new ValidateCommand());
    commands.put(RepairCommand.NAME, new RepairCommand());
    commands.put(BaselineCommand.NAME, new BaselineCommand());
    commands.put(RunCommand.NAME, new RunCommand());
    commands.put(MaintenanceCommand.NAME, new MaintenanceCommand());
    commands.put("cleanup", new CleanupCommand());
    commands.put("reset", new ResetCommand());
    commands.put(PluginCommand.NAME, new PluginCommand());
  }
}
