package dev.pitstop.demo;

import dev.pitstop.Main;
import dev.pitstop.cli.Cli;
import java.util.Map;

/**
 * {@code java -jar pitstop-demo.jar <command> [options]}: the operator jar's commands and {@code
 * demo}.
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) {
    Main.run(DemoMain::cli, args);
  }

  /** The operator jar's command line plus {@code demo}. */
  public static Cli cli() {
    return Main.cli().extendedBy("pitstop-demo.jar", Map.of("demo", new DemoCommand()));
  }
}
