package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlSplitterTest {

  private static List<String> sqls(String script) {
    return SqlSplitter.split(script).stream().map(SqlStatement::sql).toList();
  }

  private static List<Integer> lines(String script) {
    return SqlSplitter.split(script).stream().map(SqlStatement::line).toList();
  }

  @Test
  void splitsSimpleStatementsAndKeepsLastWithoutSemicolon() {
    String script = "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nSELECT 1";
    assertThat(sqls(script))
        .containsExactly("CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)", "SELECT 1");
    assertThat(lines(script)).containsExactly(1, 2, 3);
  }

  @Test
  void dropsEmptyAndCommentOnlyStatements() {
    assertThat(sqls(";;  ;\n-- only a comment\n;/* block */;")).isEmpty();
    assertThat(sqls("")).isEmpty();
    assertThat(sqls("SELECT 1;;;SELECT 2;")).containsExactly("SELECT 1", "SELECT 2");
  }

  @Test
  void reportsLineOfFirstTokenAfterLeadingComments() {
    String script =
        """
        -- header comment; with a semicolon
        /* block; comment
           spanning lines */

        CREATE TABLE t (id int); -- trailing; comment
        -- between
          INSERT INTO t
          VALUES (1);
        """;
    List<SqlStatement> statements = SqlSplitter.split(script);
    assertThat(statements).extracting(SqlStatement::line).containsExactly(5, 7);
    assertThat(statements.get(0).sql()).isEqualTo("CREATE TABLE t (id int)");
    assertThat(statements.get(1).sql()).isEqualTo("INSERT INTO t\n  VALUES (1)");
  }

  @Test
  void countsCrLfAndLoneCrAsOneLineBreak() {
    assertThat(lines("SELECT 1;\r\nSELECT 2;\r\n\r\nSELECT 3;\rSELECT 4"))
        .containsExactly(1, 2, 4, 5);
  }

  @Test
  void keepsSemicolonsInsideStandardStrings() {
    assertThat(sqls("INSERT INTO t VALUES ('a;b', 'it''s; fine');SELECT 'x\\';"))
        .containsExactly("INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT 'x\\'");
  }

  @Test
  void handlesEscapeStringsWithBackslashes() {
    assertThat(sqls("SELECT E'it\\'s; \\\\';SELECT e'\\\\';SELECT 2"))
        .containsExactly("SELECT E'it\\'s; \\\\'", "SELECT e'\\\\'", "SELECT 2");
  }

  @Test
  void identifierEndingInEIsNotAnEscapeString() {
    // "name" followed by a standard string: the backslash is literal, so ';' after it splits.
    assertThat(sqls("SELECT 'a\\';SELECT 2")).containsExactly("SELECT 'a\\'", "SELECT 2");
  }

  @Test
  void keepsSemicolonsInsideQuotedIdentifiers() {
    assertThat(sqls("CREATE TABLE \"we;ird\"\"name\" (id int);SELECT 1"))
        .containsExactly("CREATE TABLE \"we;ird\"\"name\" (id int)", "SELECT 1");
  }

  @Test
  void handlesNestedBlockComments() {
    assertThat(sqls("SELECT /* outer /* inner; */ still; comment */ 1;SELECT 2"))
        .containsExactly("SELECT /* outer /* inner; */ still; comment */ 1", "SELECT 2");
  }

  @Test
  void handlesDollarQuotedPlpgsqlFunction() {
    String function =
        """
        CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$
        BEGIN
          NEW.updated_at := now(); -- a comment; inside
          RAISE NOTICE 'it''s; %', 'x';
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql""";
    String trigger =
        "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()";
    List<SqlStatement> statements = SqlSplitter.split(function + ";\n\n" + trigger + ";\n");
    assertThat(statements).extracting(SqlStatement::sql).containsExactly(function, trigger);
    assertThat(statements).extracting(SqlStatement::line).containsExactly(1, 9);
  }

  @Test
  void handlesTaggedDollarQuotesContainingOtherDollarQuotes() {
    String body =
        """
        DO $outer$
        BEGIN
          EXECUTE $inner$ SELECT 1; $inner$;
          PERFORM $$ ; $$;
        END
        $outer$""";
    assertThat(sqls(body + ";SELECT 2")).containsExactly(body, "SELECT 2");
  }

  @Test
  void positionalParametersAreNotDollarQuotes() {
    String function = "CREATE FUNCTION add(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2'";
    assertThat(sqls(function + ";PREPARE p AS SELECT $1;SELECT 3"))
        .containsExactly(function, "PREPARE p AS SELECT $1", "SELECT 3");
  }

  @Test
  void dollarInsideIdentifierIsNotAQuote() {
    assertThat(sqls("SELECT a$b$c FROM t;SELECT 2"))
        .containsExactly("SELECT a$b$c FROM t", "SELECT 2");
  }

  @Test
  void handlesSqlStandardFunctionBodies() {
    String function =
        """
        CREATE FUNCTION grade(score int) RETURNS text
        LANGUAGE sql
        BEGIN ATOMIC
          SELECT CASE WHEN score > 50 THEN 'pass' ELSE 'fail' END;
          SELECT 'done';
        END""";
    assertThat(sqls(function + ";\nBEGIN;\nSELECT 1;\nEND;"))
        .containsExactly(function, "BEGIN", "SELECT 1", "END");
  }

  @Test
  void semicolonsInsideParenthesesDoNotEndAStatement() {
    String script =
        "CREATE RULE log_it AS ON INSERT TO t DO ALSO (\n"
            + "  INSERT INTO log VALUES (new.id);\n"
            + "  UPDATE counts SET n = n + 1;\n"
            + ");\n"
            + "SELECT (1);\n";
    assertThat(sqls(script))
        .containsExactly(
            "CREATE RULE log_it AS ON INSERT TO t DO ALSO (\n"
                + "  INSERT INTO log VALUES (new.id);\n"
                + "  UPDATE counts SET n = n + 1;\n"
                + ")",
            "SELECT (1)");
    assertThat(lines(script)).containsExactly(1, 5);
  }

  @Test
  void stripsByteOrderMark() {
    assertThat(sqls("\uFEFFSELECT 1;")).containsExactly("SELECT 1");
  }

  @Test
  void unterminatedLiteralRunsToEndOfScript() {
    assertThat(sqls("SELECT 'open; SELECT 2")).containsExactly("SELECT 'open; SELECT 2");
    assertThat(sqls("SELECT 1; /* open comment; SELECT 2")).containsExactly("SELECT 1");
  }

  @Test
  void leadingTokensIgnoreCommentsAndMaskLiterals() {
    SqlStatement statement =
        SqlSplitter.split(
                "/* c */ CREATE /* x */ UNIQUE INDEX -- y\n CONCURRENTLY \"Idx\" ON s.t (a)"
                    + " WHERE b = 'CONCURRENTLY'")
            .get(0);
    assertThat(statement.startsWith("create", "unique", "index", "concurrently")).isTrue();
    assertThat(statement.leadingTokens())
        .containsExactly(
            "CREATE",
            "UNIQUE",
            "INDEX",
            "CONCURRENTLY",
            "\"Idx\"",
            "ON",
            "s",
            ".",
            "t",
            "(",
            "a",
            ")",
            "WHERE",
            "b",
            "=",
            "'");
    assertThat(SqlSplitter.split("SELECT 'VACUUM'").get(0).hasLeadingWord("VACUUM")).isFalse();
  }

  @Test
  void keepsAtMostTheConfiguredNumberOfTokens() {
    String longStatement = "SELECT " + "a, ".repeat(100) + "b";
    assertThat(SqlSplitter.split(longStatement).get(0).leadingTokens())
        .hasSize(SqlSplitter.MAX_LEADING_TOKENS);
  }

  @Test
  void handlesOtherStringPrefixesAndTagsWithDigits() {
    assertThat(sqls("SELECT U&'d\\0061t;a', B'1010', X'1F';SELECT $a1$ ; $a1$;SELECT 3"))
        .containsExactly("SELECT U&'d\\0061t;a', B'1010', X'1F'", "SELECT $a1$ ; $a1$", "SELECT 3");
  }

  @Test
  void commentMarkersInsideLiteralsAreNotComments() {
    assertThat(sqls("SELECT '--not a comment;', '/* nor; this */', \"--col\";SELECT 2"))
        .containsExactly("SELECT '--not a comment;', '/* nor; this */', \"--col\"", "SELECT 2");
  }

  @Test
  void linesCountInsideMultiLineLiteralsAndBodies() {
    String script = "SELECT 'a\nb\nc';\nDO $$\nBEGIN\nEND $$;\n/* x\ny */ SELECT 1;\nSELECT 2";
    assertThat(lines(script)).containsExactly(1, 4, 8, 9);
  }

  @Test
  void takesInlineCopyDataAsDataUpToBackslashDot() {
    String script =
        "CREATE TABLE t (a text, b text);\n"
            + "copy public.t (a, b) from stdin; -- rest of the line is skipped\n"
            + "x;y\t'it''s\n"
            + "-- not a comment\t\\N\n"
            + "\\.\n"
            + "COPY t FROM STDIN WITH (FORMAT csv, HEADER);\r\n"
            + "a,b\r\n"
            + "\"q;\"\"\",$$\r\n"
            + "  \\.  \r\n"
            + "SELECT 1";
    List<SqlStatement> statements = SqlSplitter.split(script);
    assertThat(statements)
        .extracting(SqlStatement::sql)
        .containsExactly(
            "CREATE TABLE t (a text, b text)",
            "copy public.t (a, b) from stdin",
            "COPY t FROM STDIN WITH (FORMAT csv, HEADER)",
            "SELECT 1");
    assertThat(statements).extracting(SqlStatement::line).containsExactly(1, 2, 6, 10);
    assertThat(statements)
        .extracting(SqlStatement::copyData)
        .containsExactly(
            null, "x;y\t'it''s\n-- not a comment\t\\N\n", "a,b\r\n\"q;\"\"\",$$\r\n", null);
    assertThat(statements).noneMatch(SqlStatement::lacksCopyData);
  }

  @Test
  void copyFromStdinWithoutTerminatedDataLacksIt() {
    assertThat(SqlSplitter.split("COPY t FROM stdin;\n1\n2\n").get(0).lacksCopyData()).isTrue();
    assertThat(SqlSplitter.split("COPY t FROM stdin").get(0).lacksCopyData()).isTrue();
    assertThat(SqlSplitter.split("COPY t FROM stdin;").get(0).lacksCopyData()).isTrue();
    List<SqlStatement> others =
        SqlSplitter.split("COPY t TO stdout;\nCOPY t FROM '/tmp/f';\nSELECT 'FROM' stdin;");
    assertThat(others).hasSize(3).noneMatch(SqlStatement::copyFromStdin);
  }

  @Test
  void keepsTheCommentsBeforeEachStatement() {
    List<SqlStatement> statements =
        SqlSplitter.split(
            "-- file note\n\n-- first\nSELECT 1; -- after one\n/* second */ SELECT /* in */ 2;");
    assertThat(statements)
        .extracting(SqlStatement::leadingComments)
        .containsExactly("-- file note\n\n-- first\n", " -- after one\n/* second */ ");
    assertThat(statements)
        .extracting(SqlStatement::sql)
        .containsExactly("SELECT 1", "SELECT /* in */ 2");
  }
}
