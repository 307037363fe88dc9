package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.sql.SqlLexer.Kind;
import dev.pitstop.sql.SqlLexer.Token;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

  private static List<String> kinds(String text) {
    return SqlLexer.tokens(text).stream()
        .filter(t -> t.kind() != Kind.WHITESPACE)
        .map(t -> t.kind() + ":" + t.text())
        .toList();
  }

  @Test
  void everyKindOfToken() {
    assertThat(
            kinds(
                "SELECT 'a;''b', E'c\\';d', $$ ; $$, $x$ $$ $x$, \"q\"\"(\" -- c ;\n"
                    + "/* a /* b */ ; */ (1);"))
        .containsExactly(
            "WORD:SELECT",
            "STRING:'a;''b'",
            "OTHER:,",
            "ESCAPE_STRING:E'c\\';d'",
            "OTHER:,",
            "DOLLAR_STRING:$$ ; $$",
            "OTHER:,",
            "DOLLAR_STRING:$x$ $$ $x$",
            "OTHER:,",
            "QUOTED_IDENTIFIER:\"q\"\"(\"",
            "LINE_COMMENT:-- c ;",
            "BLOCK_COMMENT:/* a /* b */ ; */",
            "OPEN_PAREN:(",
            "WORD:1",
            "CLOSE_PAREN:)",
            "SEMICOLON:;");
  }

  @Test
  void parametersAndDollarsInsideWordsAreNotQuotes() {
    assertThat(kinds("$1 + a$b$ + $2"))
        .containsExactly("WORD:$1", "OTHER:+", "WORD:a$b$", "OTHER:+", "WORD:$2");
  }

  @Test
  void aWordEndingInEIsNotAnEscapeStringPrefix() {
    assertThat(kinds("LIKE'a\\'")).containsExactly("WORD:LIKE", "STRING:'a\\'");
    assertThat(kinds("e'\\''")).containsExactly("ESCAPE_STRING:e'\\''");
  }

  @Test
  void whatTheTextEndsInsideIsNotClosed() {
    for (String text : List.of("'a", "E'a\\'", "\"a", "$t$ a $t", "/* a /* b */")) {
      List<Token> tokens = SqlLexer.tokens(text);
      assertThat(tokens).as(text).hasSize(1);
      assertThat(tokens.get(0).closed()).as(text).isFalse();
      assertThat(tokens.get(0).text()).isEqualTo(text);
    }
    assertThat(SqlLexer.tokens("'a' /* b */").stream().allMatch(Token::closed)).isTrue();
  }

  @Test
  void tokensKnowTheirLineWhateverTheLineBreaks() {
    List<Token> words =
        SqlLexer.tokens("a\r\nb\rc\n'x\ny' d /* \n */ e").stream()
            .filter(t -> !t.kind().isBlank())
            .toList();
    assertThat(words).extracting(Token::line).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(words).extracting(Token::text).containsExactly("a", "b", "c", "'x\ny'", "d", "e");
  }

  @Test
  void aByteOrderMarkAtTheStartIsWhitespace() {
    assertThat(kinds("\uFEFF$$x$$")).containsExactly("DOLLAR_STRING:$$x$$");
  }

  @Test
  void tokensCoverTheTextWithoutGaps() {
    String text = "SELECT /* x */ 'a' -- y\n, \"b\" FROM t WHERE c = $1;";
    StringBuilder joined = new StringBuilder();
    for (Token token : SqlLexer.tokens(text)) {
      assertThat(token.start()).isEqualTo(joined.length());
      joined.append(token.text());
    }
    assertThat(joined.toString()).isEqualTo(text);
  }

  @Test
  void oneLineLeavesOutLineCommentsThatWouldHideTheRest() {
    assertThat(
            SqlLexer.oneLine(
                "ALTER TABLE executions_visibility -- v1.10\n"
                    + "  ADD COLUMN note text DEFAULT '-- kept',\r\n"
                    + "  /* block */ ADD COLUMN x int; -- end"))
        .isEqualTo(
            "ALTER TABLE executions_visibility ADD COLUMN note text DEFAULT '-- kept', /* block */"
                + " ADD COLUMN x int;");
  }
}
