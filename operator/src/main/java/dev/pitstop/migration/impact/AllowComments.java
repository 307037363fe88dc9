package dev.pitstop.migration.impact;

import dev.pitstop.sql.SqlLexer;
import dev.pitstop.sql.SqlStatement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code -- pitstop:allow PSnnn reason} comments of a migration file. A comment among the
 * statement's own comments (the ones before it, or inside it) accepts findings of that code for
 * that statement; a comment before the first statement that a blank line separates from it accepts
 * them for the whole file. A comment without a reason accepts nothing, and the finding says so.
 */
final class AllowComments {

  private static final Pattern ALLOW =
      Pattern.compile(
          "pitstop:allow\\s+(PS\\d{3})\\b[ \\t]*([^\\r\\n]*)", Pattern.CASE_INSENSITIVE);
  private static final Pattern BLANK_LINE = Pattern.compile("\\n[ \\t\\r]*\\n");

  /** What a file's comments say about one code for one statement. */
  record Allowance(String reason, boolean withoutReason) {}

  private final Map<FindingCode, Allowance> fileWide;
  private final List<Map<FindingCode, Allowance>> perStatement;

  private AllowComments(
      Map<FindingCode, Allowance> fileWide, List<Map<FindingCode, Allowance>> perStatement) {
    this.fileWide = fileWide;
    this.perStatement = perStatement;
  }

  static AllowComments of(List<SqlStatement> statements) {
    Map<FindingCode, Allowance> fileWide = new EnumMap<>(FindingCode.class);
    List<Map<FindingCode, Allowance>> perStatement = new ArrayList<>();
    for (int i = 0; i < statements.size(); i++) {
      SqlStatement s = statements.get(i);
      Map<FindingCode, Allowance> own = new EnumMap<>(FindingCode.class);
      String leading = s.leadingComments();
      if (i == 0) {
        Matcher blank = BLANK_LINE.matcher(leading);
        int end = -1;
        while (blank.find()) {
          end = blank.end();
        }
        if (end >= 0) {
          collect(leading.substring(0, end), fileWide);
          leading = leading.substring(end);
        }
      }
      collect(leading, own);
      for (SqlLexer.Token token : SqlLexer.tokens(s.sql())) {
        if (token.kind() == SqlLexer.Kind.LINE_COMMENT
            || token.kind() == SqlLexer.Kind.BLOCK_COMMENT) {
          collect(token.text(), own);
        }
      }
      perStatement.add(own);
    }
    return new AllowComments(fileWide, perStatement);
  }

  private static void collect(String comments, Map<FindingCode, Allowance> into) {
    Matcher m = ALLOW.matcher(comments);
    while (m.find()) {
      FindingCode code = FindingCode.parse(m.group(1));
      if (code == null) {
        continue;
      }
      String reason = m.group(2).replaceAll("\\*/\\s*$", "").strip();
      Allowance found = reason.isEmpty() ? new Allowance(null, true) : new Allowance(reason, false);
      Allowance before = into.get(code);
      if (before == null || before.reason() == null) {
        into.put(code, found);
      }
    }
  }

  /**
   * What applies to findings of {@code code} at the 0-based statement {@code index}: a reason, a
   * comment without one, or null when no comment names the code.
   */
  Allowance lookup(int index, FindingCode code) {
    Allowance own = index < perStatement.size() ? perStatement.get(index).get(code) : null;
    Allowance file = fileWide.get(code);
    if (own != null && own.reason() != null) {
      return own;
    }
    if (file != null && file.reason() != null) {
      return file;
    }
    return own != null ? own : file;
  }
}
