package dev.pitstop.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the files a user hands the CLI (manifests, migration scripts, seed scripts) as UTF-8 text,
 * never more than a limit: a file beyond it, or a device such as {@code /dev/zero} that never ends,
 * is refused with one sentence (exit 2) after reading at most the limit plus one byte.
 */
public final class InputFiles {
  /** The most the CLI reads of one file. */
  public enum Limit {
    /** Manifests: the Kubernetes API server refuses a request body larger than 3 MiB. */
    MANIFEST(3L * 1024 * 1024, "the Kubernetes API server's request limit"),
    /** SQL scripts: migrations given with {@code --dir} and seeds given with {@code --seed}. */
    SQL(64L * 1024 * 1024, "the most the CLI reads of one SQL file");

    private final long bytes;
    private final String reason;

    Limit(long bytes, String reason) {
      this.bytes = bytes;
      this.reason = reason;
    }

    /** The limit in bytes. */
    public long bytes() {
      return bytes;
    }
  }

  private InputFiles() {}

  /**
   * The text of {@code file}.
   *
   * @param what what the file is, for messages (e.g. {@code "--seed"}), or empty
   * @throws UsageException when the file does not exist, cannot be read, is larger than the limit
   *     or is not UTF-8
   */
  public static String read(Path file, Limit limit, String what) {
    String prefix = what.isEmpty() ? "" : what + ": ";
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) limit.bytes + 1);
    } catch (NoSuchFileException e) {
      throw new UsageException(prefix + file + " does not exist");
    } catch (AccessDeniedException e) {
      throw new UsageException(prefix + file + " cannot be read (permission denied)");
    } catch (IOException e) {
      throw new UsageException(prefix + "cannot read " + file + " (" + e.getMessage() + ")");
    }
    if (bytes.length > limit.bytes) {
      throw new UsageException(
          prefix + file + " is larger than " + mebibytes(limit.bytes) + ", " + limit.reason);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new UsageException(prefix + file + " is not UTF-8 text");
    }
  }

  private static String mebibytes(long bytes) {
    return bytes / (1024 * 1024) + " MiB";
  }
}
