package dev.pitstop.logging;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every credential the process has read (database passwords, webhook URLs). Anything that leaves
 * the process as text — log lines, Events, status messages — passes through {@link #redact}, so a
 * driver error that echoes a password or URL never shows it. Redaction works on structure (see
 * {@link Redaction}): URL passwords and {@code password=} values always, a known secret only as a
 * whole token, so that masking never reveals a password hidden in an ordinary word.
 */
public final class KnownSecrets {
  private static final int MIN_LENGTH = 4;
  private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();
  private static final Pattern URL_PASSWORD = Pattern.compile("://[^:/@\\s]*:([^@\\s]+)@");
  private static final Pattern QUERY_PASSWORD = Pattern.compile("[?&]password=([^&\\s]+)");

  private KnownSecrets() {}

  /** Remembers a secret value; values shorter than 4 characters are too common to redact. */
  public static void add(String value) {
    if (value != null && value.length() >= MIN_LENGTH) {
      VALUES.add(value);
    }
  }

  /** Forgets a secret remembered with {@link #add}, e.g. one a test made up. */
  public static void forget(String value) {
    VALUES.remove(value);
  }

  /** Remembers the passwords inside a URL-like value ({@code user:pass@}, {@code ?password=}). */
  public static void addIfCredential(String value) {
    if (value == null) {
      return;
    }
    for (Pattern pattern : new Pattern[] {URL_PASSWORD, QUERY_PASSWORD}) {
      Matcher m = pattern.matcher(value);
      while (m.find()) {
        add(m.group(1));
        try {
          add(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          // not percent-encoded: the raw value is already remembered
        }
      }
    }
  }

  /**
   * Masks URL passwords and {@code password=} values, and every known secret that stands as a whole
   * token, with {@code ****}.
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    // longest first, so that a secret containing another is masked whole
    for (String value :
        VALUES.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
      out = Redaction.maskToken(out, value);
    }
    return Redaction.stripCredentials(out);
  }
}
