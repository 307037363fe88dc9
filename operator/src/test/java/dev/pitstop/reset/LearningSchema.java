package dev.pitstop.reset;

import dev.pitstop.testing.PostgresExtension;

/** A small learning-platform schema with system tables beside it, for engine tests. */
final class LearningSchema {
  private LearningSchema() {}

  /** Creates the tables and fills them: 3 categories, 50 users, 6 courses, 120 enrollments. */
  static void create(PostgresExtension pg) {
    pg.execute(
        """
        CREATE TABLE categories (
          id bigserial PRIMARY KEY,
          name text NOT NULL,
          parent_id bigint REFERENCES categories (id));
        CREATE TABLE users (
          id bigserial PRIMARY KEY,
          email text NOT NULL UNIQUE,
          role text NOT NULL DEFAULT 'student');
        CREATE TABLE courses (
          id bigserial PRIMARY KEY,
          category_id bigint NOT NULL REFERENCES categories (id),
          teacher_id bigint REFERENCES users (id),
          title text NOT NULL);
        CREATE TABLE enrollments (
          id bigserial PRIMARY KEY,
          user_id bigint NOT NULL REFERENCES users (id),
          course_id bigint NOT NULL REFERENCES courses (id));
        CREATE INDEX ON enrollments (user_id);
        CREATE INDEX ON enrollments (course_id);
        CREATE TABLE submissions (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          enrollment_id bigint NOT NULL REFERENCES enrollments (id) ON DELETE RESTRICT,
          grade int);
        CREATE TABLE flyway_schema_history (
          installed_rank int PRIMARY KEY, version varchar(50), description varchar(200),
          type varchar(20), script varchar(1000), checksum int, installed_by varchar(100),
          installed_on timestamp DEFAULT now(), execution_time int, success boolean);
        CREATE TABLE app_migrations (
          installed_rank int PRIMARY KEY, version varchar(50), description varchar(200),
          type varchar(20), script varchar(1000), checksum int, installed_by varchar(100),
          installed_on timestamp DEFAULT now(), execution_time int, success boolean);
        CREATE TABLE schema_migrations (version text PRIMARY KEY);
        CREATE TABLE payload_jobs (id bigserial PRIMARY KEY, kind text);
        CREATE TABLE payload_jobs_log (id bigserial PRIMARY KEY, job_id bigint REFERENCES
          payload_jobs (id));
        CREATE TABLE preferences (key text PRIMARY KEY, value text);

        INSERT INTO categories (name) VALUES ('Maths'), ('Science');
        INSERT INTO categories (name, parent_id) VALUES ('Algebra', 1);
        INSERT INTO users (email, role)
          SELECT 'user' || g || '@school.test', CASE WHEN g <= 2 THEN 'admin' ELSE 'student' END
          FROM generate_series(1, 50) g;
        INSERT INTO courses (category_id, teacher_id, title)
          SELECT 1 + g % 3, 3 + g, 'Course ' || g FROM generate_series(1, 6) g;
        INSERT INTO enrollments (user_id, course_id)
          SELECT 1 + g % 50, 1 + g % 6 FROM generate_series(1, 120) g;
        INSERT INTO submissions (enrollment_id, grade)
          SELECT 1 + g % 120, g % 100 FROM generate_series(1, 300) g;
        INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,
          checksum, installed_by, execution_time, success)
          VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'app', 5, true);
        INSERT INTO app_migrations (installed_rank, version, success) VALUES (1, '1', true);
        INSERT INTO schema_migrations VALUES ('20240101');
        INSERT INTO payload_jobs (kind) VALUES ('email'), ('report');
        INSERT INTO payload_jobs_log (job_id) VALUES (1), (2);
        INSERT INTO preferences VALUES ('theme', 'dark');
        """);
  }

  /** Row counts of every table, as one string, to compare before and after. */
  static String snapshot(PostgresExtension pg) {
    return String.join(
        ",",
        pg.queryStrings(
            "SELECT c.relname || '=' || (xpath('/row/n/text()', query_to_xml("
                + "format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname),"
                + " false, true, '')))[1]::text"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN"
                + " ('pg_catalog', 'information_schema', 'pg_toast')"
                + " ORDER BY n.nspname, c.relname"));
  }
}
