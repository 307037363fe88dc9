package dev.pitstop.migration;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The checksum Flyway records: CRC32 over the UTF-8 bytes of each line without its terminator
 * ({@code \n}, {@code \r\n} or {@code \r}), a leading byte order mark removed, as a signed int. So
 * line endings and a final newline do not change it.
 */
public final class ScriptChecksum {

  private ScriptChecksum() {}

  /** Computes the checksum of a script's text. */
  public static int of(String sql) {
    CRC32 crc = new CRC32();
    int start = sql.startsWith("\uFEFF") ? 1 : 0;
    int length = sql.length();
    int lineStart = start;
    for (int i = start; i < length; i++) {
      char c = sql.charAt(i);
      if (c == '\n' || c == '\r') {
        crc.update(sql.substring(lineStart, i).getBytes(StandardCharsets.UTF_8));
        if (c == '\r' && i + 1 < length && sql.charAt(i + 1) == '\n') {
          i++;
        }
        lineStart = i + 1;
      }
    }
    if (lineStart < length) {
      crc.update(sql.substring(lineStart).getBytes(StandardCharsets.UTF_8));
    }
    return (int) crc.getValue();
  }
}
