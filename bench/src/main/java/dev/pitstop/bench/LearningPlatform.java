package dev.pitstop.bench;

import dev.pitstop.migration.MigrationScript;
import dev.pitstop.reset.SeedScript;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's schema: a learning platform of 23 tables (about 1,035,000 rows when loaded) with
 * indexed foreign keys, a self-reference (categories, discussion posts) and a cycle (courses
 * feature a page, pages belong to a course), plus 6 system tables the reset must keep.
 */
final class LearningPlatform {
  private LearningPlatform() {}

  /** System tables: the Pitstop history the migrations write, and five the app keeps. */
  static final List<String> SYSTEM_TABLES =
      List.of(
          "pitstop_schema_history",
          "pitstop_maintenance_mode",
          "schema_migrations",
          "payload_jobs",
          "payload_jobs_log",
          "app_preferences");

  /** Patterns for preserveTables (the other system tables are kept by name anyway). */
  static final List<String> PRESERVE = List.of("payload_*", "app_preferences");

  /** {table, DDL after "(id bigserial PRIMARY KEY, ", rows loaded, load SELECT list}. */
  private static final String[][] TABLES = {
    {
      "categories",
      "name text NOT NULL, parent_id bigint REFERENCES categories",
      "50",
      "'Category ' || g, CASE WHEN g > 10 THEN 1 + g % 10 END"
    },
    {
      "users",
      "email text NOT NULL UNIQUE, name text NOT NULL, role text NOT NULL",
      "50000",
      "'user' || g || '@school.test', 'User ' || g,"
          + " CASE WHEN g % 100 = 0 THEN 'teacher' ELSE 'student' END"
    },
    {
      "courses",
      "category_id bigint NOT NULL REFERENCES categories, teacher_id bigint REFERENCES"
          + " users, title text NOT NULL, featured_page_id bigint",
      "2000",
      "1 + g % 50, 100 * (1 + g % 500), 'Course ' || g, NULL"
    },
    {
      "course_sections",
      "course_id bigint NOT NULL REFERENCES courses, title text NOT NULL",
      "10000",
      "1 + g % 2000, 'Section ' || g"
    },
    {
      "groups",
      "course_id bigint NOT NULL REFERENCES courses, name text NOT NULL",
      "4000",
      "1 + g % 2000, 'Group ' || g"
    },
    {
      "group_members",
      "group_id bigint NOT NULL REFERENCES groups, user_id bigint NOT NULL" + " REFERENCES users",
      "40000",
      "1 + g % 4000, 1 + g % 50000"
    },
    {
      "enrollments",
      "user_id bigint NOT NULL REFERENCES users, course_id bigint NOT NULL"
          + " REFERENCES courses, enrolled_at timestamptz NOT NULL DEFAULT now()",
      "150000",
      "1 + g % 50000, 1 + g % 2000, now()"
    },
    {
      "activity_modules",
      "section_id bigint NOT NULL REFERENCES course_sections, kind text NOT" + " NULL",
      "30000",
      "1 + g % 10000, (ARRAY['page','quiz','assignment'])[1 + g % 3]"
    },
    {
      "assignments",
      "module_id bigint NOT NULL REFERENCES activity_modules, due_at timestamptz",
      "8000",
      "1 + g % 30000, now() + g * interval '1 hour'"
    },
    {
      "assignment_submissions",
      "assignment_id bigint NOT NULL REFERENCES assignments, user_id"
          + " bigint NOT NULL REFERENCES users, body text",
      "150000",
      "1 + g % 8000, 1 + g % 50000, 'Submission ' || g"
    },
    {
      "quizzes",
      "module_id bigint NOT NULL REFERENCES activity_modules, title text",
      "6000",
      "1 + g % 30000, 'Quiz ' || g"
    },
    {
      "quiz_questions",
      "quiz_id bigint NOT NULL REFERENCES quizzes, text text NOT NULL",
      "30000",
      "1 + g % 6000, 'Question ' || g"
    },
    {
      "quiz_attempts",
      "quiz_id bigint NOT NULL REFERENCES quizzes, user_id bigint NOT NULL"
          + " REFERENCES users, score int",
      "100000",
      "1 + g % 6000, 1 + g % 50000, g % 100"
    },
    {
      "quiz_answers",
      "attempt_id bigint NOT NULL REFERENCES quiz_attempts, question_id bigint NOT"
          + " NULL REFERENCES quiz_questions, answer text",
      "200000",
      "1 + g % 100000, 1 + g % 30000, 'A' || g % 4"
    },
    {
      "discussions",
      "course_id bigint NOT NULL REFERENCES courses, title text",
      "5000",
      "1 + g % 2000, 'Discussion ' || g"
    },
    {
      "discussion_posts",
      "discussion_id bigint NOT NULL REFERENCES discussions, author_id bigint"
          + " NOT NULL REFERENCES users, parent_id bigint REFERENCES discussion_posts, body text",
      "60000",
      "1 + g % 5000, 1 + g % 50000, CASE WHEN g > 5000 THEN g - 5000 END, 'Post ' || g"
    },
    {"gradebooks", "course_id bigint NOT NULL REFERENCES courses", "2000", "1 + g % 2000"},
    {
      "grade_items",
      "gradebook_id bigint NOT NULL REFERENCES gradebooks, name text",
      "20000",
      "1 + g % 2000, 'Item ' || g"
    },
    {
      "user_grades",
      "grade_item_id bigint NOT NULL REFERENCES grade_items, user_id bigint NOT NULL"
          + " REFERENCES users, grade numeric",
      "100000",
      "1 + g % 20000, 1 + g % 50000, (g % 100)::numeric"
    },
    {
      "notes",
      "user_id bigint NOT NULL REFERENCES users, course_id bigint REFERENCES courses, body"
          + " text",
      "20000",
      "1 + g % 50000, 1 + g % 2000, 'Note ' || g"
    },
    {
      "pages",
      "course_id bigint NOT NULL REFERENCES courses, title text, body text",
      "10000",
      "1 + g % 2000, 'Page ' || g, repeat('x', 200)"
    },
    {
      "media",
      "page_id bigint REFERENCES pages, uploaded_by bigint NOT NULL REFERENCES users, url"
          + " text",
      "8000",
      "1 + g % 10000, 1 + g % 50000, 'https://cdn.test/' || g"
    },
    {
      "notifications",
      "user_id bigint NOT NULL REFERENCES users, message text, read boolean NOT"
          + " NULL DEFAULT false",
      "30000",
      "1 + g % 50000, 'Message ' || g, g % 2 = 0"
    },
  };

  /** Versioned migrations: one per table, with an index per foreign key, then system tables. */
  static List<MigrationScript> migrations() {
    List<MigrationScript> scripts = new ArrayList<>();
    for (int i = 0; i < TABLES.length; i++) {
      String table = TABLES[i][0];
      StringBuilder sql =
          new StringBuilder("CREATE TABLE ")
              .append(table)
              .append(" (id bigserial PRIMARY KEY, ")
              .append(TABLES[i][1])
              .append(");\n");
      for (String part : TABLES[i][1].split(",")) {
        String column = part.trim().split(" ")[0];
        if (part.contains("REFERENCES")) {
          sql.append("CREATE INDEX ON ").append(table).append(" (").append(column).append(");\n");
        }
      }
      scripts.add(
          new MigrationScript("V" + (i + 1) + "__create_" + table + ".sql", sql.toString()));
    }
    scripts.add(
        new MigrationScript(
            "V24__course_featured_page.sql",
            "ALTER TABLE courses ADD CONSTRAINT courses_featured_page_fk"
                + " FOREIGN KEY (featured_page_id) REFERENCES pages;\n"
                + "CREATE INDEX ON courses (featured_page_id);"));
    scripts.add(
        new MigrationScript(
            "V25__system_tables.sql",
            "CREATE TABLE pitstop_maintenance_mode (id int PRIMARY KEY, mode text NOT NULL);\n"
                + "CREATE TABLE schema_migrations (version text PRIMARY KEY);\n"
                + "CREATE TABLE payload_jobs (id bigserial PRIMARY KEY, kind text, run_at"
                + " timestamptz);\n"
                + "CREATE TABLE payload_jobs_log (id bigserial PRIMARY KEY, job_id bigint"
                + " REFERENCES payload_jobs, line text);\n"
                + "CREATE TABLE app_preferences (key text PRIMARY KEY, value text);"));
    return scripts;
  }

  /** Fills every table, the course/page cycle included, and the system tables. */
  static List<String> load() {
    List<String> sql = new ArrayList<>();
    for (String[] table : TABLES) {
      String columns =
          String.join(
              ", ",
              java.util.Arrays.stream(table[1].split(","))
                  .map(p -> p.trim().split(" ")[0])
                  .filter(c -> !c.equals("PRIMARY") && !c.isEmpty())
                  .toList());
      sql.add(
          "INSERT INTO "
              + table[0]
              + " ("
              + columns
              + ") SELECT "
              + table[3]
              + " FROM generate_series(1, "
              + table[2]
              + ") g");
    }
    sql.add("UPDATE courses SET featured_page_id = id WHERE id <= 2000");
    sql.add("INSERT INTO pitstop_maintenance_mode VALUES (1, 'running')");
    sql.add("INSERT INTO schema_migrations SELECT 'v' || g FROM generate_series(1, 25) g");
    sql.add(
        "INSERT INTO payload_jobs (kind, run_at) SELECT 'email', now() FROM generate_series(1, 1000)");
    sql.add(
        "INSERT INTO payload_jobs_log (job_id, line) SELECT 1 + g % 1000, 'ok'"
            + " FROM generate_series(1, 5000) g");
    sql.add("INSERT INTO app_preferences SELECT 'key' || g, 'v' FROM generate_series(1, 50) g");
    return sql;
  }

  /** The reseed after a reset: a small demo data set, the same for every method. */
  static List<SeedScript> seeds() {
    return List.of(
        new SeedScript(
            "01-base.sql",
            "INSERT INTO categories (name) SELECT 'Seed category ' || g FROM generate_series(1, 10) g;\n"
                + "INSERT INTO users (email, name, role) SELECT 'demo' || g || '@school.test',"
                + " 'Demo ' || g, CASE WHEN g <= 10 THEN 'teacher' ELSE 'student' END"
                + " FROM generate_series(1, 200) g;\n"
                + "INSERT INTO courses (category_id, teacher_id, title) SELECT 1 + g % 10,"
                + " 1 + g % 10, 'Demo course ' || g FROM generate_series(1, 20) g;"),
        new SeedScript(
            "02-activity.sql",
            "INSERT INTO course_sections (course_id, title) SELECT 1 + g % 20, 'S' || g"
                + " FROM generate_series(1, 60) g;\n"
                + "INSERT INTO enrollments (user_id, course_id) SELECT 1 + g % 200, 1 + g % 20"
                + " FROM generate_series(1, 1000) g;\n"
                + "INSERT INTO pages (course_id, title, body) SELECT 1 + g % 20, 'P' || g, 'hello'"
                + " FROM generate_series(1, 40) g;\n"
                + "UPDATE courses SET featured_page_id = id;\n"
                + "INSERT INTO notifications (user_id, message) SELECT 1 + g % 200, 'Welcome'"
                + " FROM generate_series(1, 200) g;"));
  }

  /** Rows the seeds leave in the user tables. */
  static final long SEEDED_ROWS = 10 + 200 + 20 + 60 + 1000 + 40 + 200;

  /** The user tables, for counting what is left. */
  static List<String> userTables() {
    return java.util.Arrays.stream(TABLES).map(t -> t[0]).toList();
  }

  /** Indexed point reads the reader threads run: {SQL, largest id}. */
  static final String[][] READS = {
    {"SELECT email FROM users WHERE id = ?", "50000"},
    {"SELECT title FROM courses WHERE id = ?", "2000"},
    {"SELECT count(*) FROM enrollments WHERE user_id = ?", "50000"},
    {"SELECT grade FROM user_grades WHERE user_id = ? LIMIT 5", "50000"},
    {"SELECT body FROM discussion_posts WHERE id = ?", "60000"},
    {"SELECT score FROM quiz_attempts WHERE user_id = ? LIMIT 5", "50000"},
  };
}
