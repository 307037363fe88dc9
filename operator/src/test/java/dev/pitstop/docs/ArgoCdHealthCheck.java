package dev.pitstop.docs;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs one of the Argo CD health scripts in {@code docs/argocd/} the way Argo CD does: the resource
 * as the global {@code obj}, the script's returned table as the health.
 */
final class ArgoCdHealthCheck {
  /** What a script returned. */
  record Health(String status, String message) {}

  private final String script;
  private final String name;

  private ArgoCdHealthCheck(String name, String script) {
    this.name = name;
    this.script = script;
  }

  /** The script for a kind, e.g. {@code databasemigration}. */
  static ArgoCdHealthCheck forKind(String fileName) {
    try {
      String text =
          Files.readString(ProjectFiles.docs().resolve("argocd").resolve(fileName + ".lua"));
      return new ArgoCdHealthCheck(fileName, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The health of a resource given as nested maps and lists (as parsed from YAML). */
  Health of(Map<String, Object> resource) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(resource));
    LuaValue result = globals.load(script, name).call();
    if (!result.istable()) {
      throw new AssertionError(name + " returned " + result + ", not a table");
    }
    return new Health(
        result.get("status").optjstring(null), result.get("message").optjstring(null));
  }

  private static LuaValue toLua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    }
    if (value instanceof Map<?, ?> map) {
      LuaTable table = new LuaTable();
      map.forEach((k, v) -> table.set(String.valueOf(k), toLua(v)));
      return table;
    }
    if (value instanceof List<?> list) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        table.set(i + 1, toLua(list.get(i)));
      }
      return table;
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    return LuaValue.valueOf(String.valueOf(value));
  }
}
