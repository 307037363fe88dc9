package dev.pitstop.reliability;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** A small but realistic application schema with data, for tests that must not change it. */
public final class AppSchema {
  private static final String SQL =
      """
        CREATE TABLE users (
          id bigserial PRIMARY KEY,
          email text NOT NULL UNIQUE,
          role text NOT NULL DEFAULT 'student',
          created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE courses (id bigserial PRIMARY KEY, title text NOT NULL);
        CREATE TABLE enrollments (
          user_id bigint NOT NULL REFERENCES users (id),
          course_id bigint NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
          enrolled_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (user_id, course_id));
        CREATE INDEX enrollments_course ON enrollments (course_id);
        CREATE TABLE sessions (
          id bigserial PRIMARY KEY,
          user_id bigint REFERENCES users (id),
          expires_at timestamptz NOT NULL);
        CREATE TABLE tasks (id bigserial PRIMARY KEY, status text NOT NULL);
        CREATE TABLE api_logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL,
          message text);
        CREATE SCHEMA x;
        CREATE TABLE x.audit (id int PRIMARY KEY, note text);
        CREATE VIEW active_sessions AS SELECT * FROM sessions WHERE expires_at > now();
        INSERT INTO users (email, role, created_at)
          SELECT 'user' || i || '@example.com', CASE WHEN i % 50 = 0 THEN 'admin' ELSE 'student' END,
                 timestamptz '2024-01-01' + i * interval '1 hour'
          FROM generate_series(1, 500) i;
        INSERT INTO courses (title) SELECT 'Course ' || i FROM generate_series(1, 20) i;
        INSERT INTO enrollments (user_id, course_id, enrolled_at)
          SELECT u, 1 + (u * 7) % 20, timestamptz '2024-02-01' + u * interval '1 minute'
          FROM generate_series(1, 500) u;
        INSERT INTO sessions (user_id, expires_at)
          SELECT 1 + i % 500, timestamptz '2024-01-01' + i * interval '1 day'
          FROM generate_series(1, 1000) i;
        INSERT INTO tasks (status) SELECT CASE WHEN i % 10 = 0 THEN 'running' ELSE 'done' END
          FROM generate_series(1, 100) i;
        INSERT INTO api_logs (created_at, message)
          SELECT timestamptz '2023-01-01' + i * interval '1 hour', 'GET /api/' || i
          FROM generate_series(1, 2000) i;
        INSERT INTO x.audit VALUES (1, 'keep me');
        """;

  private AppSchema() {}

  static void create(PostgresExtension pg) {
    pg.execute(SQL);
  }

  /** Creates the schema in the (empty) database behind {@code db}. */
  public static void create(DataSource db) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(SQL);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create the application schema", e);
    }
  }
}
