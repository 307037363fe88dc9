package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pitstop.cleanup.CleanupErrorCode;
import dev.pitstop.cleanup.CleanupException;
import dev.pitstop.cleanup.DeletionRule;
import dev.pitstop.reset.ResetErrorCode;
import dev.pitstop.reset.ResetException;
import dev.pitstop.reset.ResetRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A CleanupSchedule rule's {@code where} and a SandboxReset's {@code preserveRows[].where} accept
 * and refuse the same texts: both are read by the one lexer and checked by the one rule.
 */
class WhereFieldsAgreeTest {

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "role = 'admin'                                   | accept",
        "note = 'it''s; (fine'                            | accept",
        "note = E'a\\'; b'                                | accept",
        "body = $$ -- not a comment; ( $$                 | accept",
        "body = $tag$ ) $tag$                             | accept",
        "`\"odd;name)\" IS NULL`                          | accept",
        "EXISTS (SELECT 1 FROM t WHERE t.id = owner_id)   | accept",
        "x = $1 IS NULL OR true                           | accept",
        "true -- a comment ; with ( a semicolon           | accept",
        "/* why: ; ( */ true                              | accept",
        "/* nested /* ; */ ) */ true                      | accept",
        "true /* x */                                     | accept",
        "name LIKE'a\\'                                   | accept",
        "true; DROP TABLE users                           | refuse",
        "true;                                            | refuse",
        "false) OR (true                                  | refuse",
        "false) OR (true) --                              | refuse",
        "(a = 1                                           | refuse",
        "note = 'open                                     | refuse",
        "`\"open = 1`                                     | refuse",
        "body = $$ open                                   | refuse",
        "true /* open                                     | refuse",
        "/* nested /* */ still open                       | refuse",
        "-- only a comment                                | refuse",
        "/* nothing */                                    | refuse",
        "`   `                                            | refuse",
        "true \\gexec                                     | refuse",
      })
  void cleanupAndResetWhereFieldsAcceptAndRefuseTheSameTexts(String text, String expected) {
    boolean accept = expected.equals("accept");

    Throwable cleanup = catchThrowable(() -> DeletionRule.where("r", "t", text));
    Throwable reset =
        catchThrowable(() -> ResetRequest.builder("db").preserveRows("t", text).build());
    Throwable condition = catchThrowable(() -> SqlCondition.check(text));

    if (accept) {
      assertThat(cleanup).as("CleanupSchedule where").isNull();
      assertThat(reset).as("preserveRows.where").isNull();
      assertThat(condition).isNull();
    } else {
      assertThat(cleanup).as("CleanupSchedule where").isInstanceOf(CleanupException.class);
      assertThat(((CleanupException) cleanup).code()).isEqualTo(CleanupErrorCode.INVALID_WHERE);
      assertThat(reset).as("preserveRows.where").isInstanceOf(ResetException.class);
      assertThat(((ResetException) reset).code()).isEqualTo(ResetErrorCode.INVALID_WHERE);
      assertThat(condition).isInstanceOf(SqlCondition.Invalid.class);
    }
  }
}
