package dev.pitstop.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TasksQueryTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT count(*) FROM tasks WHERE status = 'running'",
        "  select 0;  ",
        "-- running tasks\nWITH r AS (SELECT 1) SELECT count(*) FROM r",
        "(SELECT 1)",
        "VALUES (0)"
      })
  void acceptsASingleQuery(String sql) {
    assertThat(TasksQuery.parse(sql).sql()).doesNotEndWith(";").isNotBlank();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "UPDATE tasks SET status = 'x'",
        "SELECT 1; SELECT 2",
        "DELETE FROM tasks",
        "-- nothing",
        " ",
        "CALL drain()"
      })
  void refusesAnythingButOneQueryNamingTheField(String sql) {
    MaintenanceException e =
        catchThrowableOfType(MaintenanceException.class, () -> TasksQuery.parse(sql));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(e.field()).isEqualTo(Field.TASKS_QUERY);
    assertThat(e.getMessage()).startsWith("must be");
  }
}
