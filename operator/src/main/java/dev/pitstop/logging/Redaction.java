package dev.pitstop.logging;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes URL credentials, {@code password=} parameters and known secrets from text before it
 * reaches a status, an Event or a log line. Passwords are never formatted into text on purpose (the
 * JDBC URL carries none, {@link ConnectionSettings#toString()} masks it); this is the net for a
 * driver or server message that quotes what it was given.
 *
 * <p>It works on structure: the password of a URL's userinfo and the value of a {@code password=}
 * parameter are masked whatever they are, and a known secret (raw or in the spellings a URL gives
 * it) only where it stands as a whole token, never inside a longer word: with the password {@code
 * pitstop}, {@code dev.pitstop.cli} and {@code pitstop_schema_history} stay as they are, since
 * masking them would show the password to anyone who knows the original text.
 */
public final class Redaction {

  /** What a removed secret is replaced with. */
  public static final String MASK = "****";

  private static final Redaction NONE = new Redaction(List.of());

  /** {@code scheme://user:password@} — the userinfo ends at the last {@code @} of the authority. */
  private static final Pattern URL_USERINFO =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.\\-]*://)([^\\s/?#]*)@");

  /** {@code password=...} in URL queries and key/value strings, quoted or not. */
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile(
          "(?i)(\\w*password\\s*=\\s*)('[^']*'|\"[^\"]*\"|[^\\s&;,]+)",
          Pattern.UNICODE_CHARACTER_CLASS);

  private final List<String> spellings;

  private Redaction(List<String> spellings) {
    this.spellings = spellings;
  }

  /** Redacts nothing but URL credentials and {@code password=} parameters. */
  public static Redaction none() {
    return NONE;
  }

  /** Redacts the given secrets; nulls and empty strings are ignored. */
  public static Redaction of(String... secrets) {
    return of(Arrays.asList(secrets));
  }

  /** Redacts the given secrets; nulls and empty strings are ignored. */
  public static Redaction of(Collection<String> secrets) {
    Set<String> spellings = new LinkedHashSet<>();
    secrets.stream()
        .filter(Objects::nonNull)
        .filter(s -> !s.isEmpty())
        .forEach(
            s -> {
              spellings.add(s);
              String formEncoded = URLEncoder.encode(s, StandardCharsets.UTF_8);
              spellings.add(formEncoded);
              spellings.add(formEncoded.replace("+", "%20"));
              spellings.add(escapeUserinfo(s));
            });
    // Longest first, so that a spelling containing another is removed whole.
    return new Redaction(
        spellings.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList());
  }

  /** The text with every known secret, URL password and {@code password=} value masked. */
  public String apply(String text) {
    if (text == null) {
      return null;
    }
    String result = text;
    for (String spelling : spellings) {
      result = maskToken(result, spelling);
    }
    return stripCredentials(result);
  }

  /**
   * {@code text} with every occurrence of {@code secret} that is a whole token replaced by {@link
   * #MASK}: not preceded or followed by a letter, a digit or {@code _}, nor by a {@code .} or
   * {@code -} that joins it to one ({@code dev.pitstop.cli}, {@code my-pitstop-db}).
   */
  public static String maskToken(String text, String secret) {
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    int found = text.indexOf(secret);
    if (found < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    while (found >= 0) {
      int end = found + secret.length();
      if (startsToken(text, found) && endsToken(text, end)) {
        out.append(text, copied, found).append(MASK);
        copied = end;
        found = text.indexOf(secret, end);
      } else {
        found = text.indexOf(secret, found + 1);
      }
    }
    return out.append(text, copied, text.length()).toString();
  }

  private static boolean startsToken(String text, int start) {
    if (start == 0) {
      return true;
    }
    char before = text.charAt(start - 1);
    if (isWordChar(before)) {
      return false;
    }
    return !(isJoiner(before) && start >= 2 && isWordChar(text.charAt(start - 2)));
  }

  private static boolean endsToken(String text, int end) {
    if (end == text.length()) {
      return true;
    }
    char after = text.charAt(end);
    if (isWordChar(after)) {
      return false;
    }
    return !(isJoiner(after) && end + 1 < text.length() && isWordChar(text.charAt(end + 1)));
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static boolean isJoiner(char c) {
    return c == '.' || c == '-';
  }

  /**
   * The message of the throwable and its causes, joined by {@code ": "} without repeats, redacted:
   * for a log line or a status message when nothing friendlier is known.
   */
  public String apply(Throwable error) {
    StringBuilder message = new StringBuilder();
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String part = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (message.indexOf(part) < 0) {
        message.append(message.length() == 0 ? "" : ": ").append(part);
      }
    }
    return apply(message.toString());
  }

  /** Masks URL userinfo passwords and {@code password=} values, keeping user names. */
  public static String stripCredentials(String text) {
    if (text == null) {
      return null;
    }
    Matcher url = URL_USERINFO.matcher(text);
    StringBuilder out = new StringBuilder();
    while (url.find()) {
      String userinfo = url.group(2);
      int colon = userinfo.indexOf(':');
      String user = colon < 0 ? userinfo : userinfo.substring(0, colon);
      String replacement = url.group(1) + user + (colon < 0 ? "" : ":" + MASK) + "@";
      url.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    url.appendTail(out);
    return PASSWORD_PARAMETER.matcher(out).replaceAll("$1" + MASK);
  }

  /** Percent-encodes all but unreserved and sub-delimiter characters, as URL builders do. */
  private static String escapeUserinfo(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=".indexOf(c) >= 0)) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
