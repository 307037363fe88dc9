package dev.pitstop.database;

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
 * Removes known secrets, URL credentials and {@code password=} parameters from text before it
 * reaches a status, an Event or a log line. Driver messages sometimes quote the URL they were
 * given, and a Secret's password may appear raw or percent-encoded, so each secret is looked for in
 * all the spellings a URL could give it.
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
      result = result.replace(spelling, MASK);
    }
    return stripCredentials(result);
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
