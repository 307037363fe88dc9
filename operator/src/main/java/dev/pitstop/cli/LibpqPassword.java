package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.HostPort;
import dev.pitstop.logging.KnownSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The password of a connection that names none, found as libpq tools ({@code psql}, {@code
 * pg_dump}) find it: {@code $PGPASSWORD}, else the first matching line of the password file, {@code
 * $PGPASSFILE} or {@code ~/.pgpass}. A password given with the connection (in the URL or the
 * manifest's Secret) always wins.
 *
 * <p>The file has lines {@code hostname:port:database:username:password}; {@code *} matches
 * anything, {@code \:} and {@code \\} stand for {@code :} and {@code \}, and lines starting with
 * {@code #} are comments. As libpq does, a file that others may read or write (permissions beyond
 * {@code 0600}) is ignored with a warning.
 */
final class LibpqPassword {
  /** The password file's most: it is a handful of lines. */
  private static final long MAX_FILE_BYTES = 1024 * 1024;

  private LibpqPassword() {}

  /**
   * {@code settings} with the password from the environment or the password file when it has none;
   * the password found is remembered with {@link KnownSecrets}, so no message shows it.
   *
   * @param warn receives a one-line warning about a password file that is ignored
   */
  static ConnectionSettings complete(
      ConnectionSettings settings, Map<String, String> env, Consumer<String> warn) {
    if (settings.password() != null) {
      return settings;
    }
    String password = env.get("PGPASSWORD");
    if (password == null || password.isEmpty()) {
      password = fromFile(settings, env, warn).orElse(null);
    }
    if (password == null || password.isEmpty()) {
      return settings;
    }
    KnownSecrets.add(password);
    return new ConnectionSettings(
        settings.hosts(),
        settings.databaseName(),
        settings.user(),
        password,
        settings.properties());
  }

  private static Optional<String> fromFile(
      ConnectionSettings settings, Map<String, String> env, Consumer<String> warn) {
    Path file;
    try {
      file = passFile(env);
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
    if (file == null || !Files.exists(file)) {
      return Optional.empty();
    }
    if (!Files.isRegularFile(file)) {
      warn.accept("password file " + file + " is not a plain file; it is ignored");
      return Optional.empty();
    }
    if (othersMayAccess(file)) {
      warn.accept(
          "password file "
              + file
              + " has group or world access; permissions should be u=rw (0600) or less, so it is"
              + " ignored");
      return Optional.empty();
    }
    String text;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        warn.accept("password file " + file + " is larger than 1 MiB; it is ignored");
        return Optional.empty();
      }
      text = Files.readString(file);
    } catch (IOException e) {
      warn.accept("password file " + file + " cannot be read; it is ignored");
      return Optional.empty();
    }
    for (HostPort host : settings.hosts()) {
      Optional<String> found =
          lookup(
              text,
              host.host(),
              String.valueOf(host.port()),
              settings.databaseName(),
              settings.user());
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /** {@code $PGPASSFILE}, else {@code .pgpass} in {@code $HOME} or the user's home directory. */
  private static Path passFile(Map<String, String> env) {
    String named = env.get("PGPASSFILE");
    if (named != null && !named.isEmpty()) {
      return Path.of(named);
    }
    String home = env.get("HOME");
    if (home == null || home.isEmpty()) {
      home = System.getProperty("user.home");
    }
    return home == null || home.isEmpty() ? null : Path.of(home, ".pgpass");
  }

  private static boolean othersMayAccess(Path file) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      return permissions.stream()
          .anyMatch(
              p ->
                  p != PosixFilePermission.OWNER_READ
                      && p != PosixFilePermission.OWNER_WRITE
                      && p != PosixFilePermission.OWNER_EXECUTE);
    } catch (UnsupportedOperationException | IOException e) {
      return false; // not a POSIX file system: libpq does not check there either
    }
  }

  /** The password of the first line of {@code text} matching the four values. */
  static Optional<String> lookup(
      String text, String host, String port, String database, String user) {
    String[] wanted = {host, port, database, user};
    for (String line : text.split("\r?\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      List<String> fields = fields(line);
      if (fields.size() < 5) {
        continue;
      }
      boolean matches = true;
      for (int i = 0; i < 4 && matches; i++) {
        matches = fields.get(i).equals("*") || fields.get(i).equals(wanted[i]);
      }
      if (matches) {
        return Optional.of(fields.get(4));
      }
    }
    return Optional.empty();
  }

  /** Four {@code :}-separated fields, then the rest of the line as the password, unescaped. */
  private static List<String> fields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        field.append(line.charAt(++i));
      } else if (c == ':' && fields.size() < 4) {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
