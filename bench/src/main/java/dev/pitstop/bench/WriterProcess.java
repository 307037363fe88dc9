package dev.pitstop.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The application of {@link PlanWriterBenchmark}, in a process of its own so it can be placed on
 * the database server's cores: one connection alternately inserts an order and updates a random
 * existing one, one autocommit transaction per pace, timing each; a late transaction does not make
 * the next ones burst. It warms up, prints {@code ready}, records until a line arrives on standard
 * input, then prints the number of transactions and each one's latency in microseconds.
 *
 * <p>Arguments: JDBC URL, user, orders rows, accounts, products, pace in microseconds.
 */
public final class WriterProcess {
  private static final int WARM_UP = 500;

  private WriterProcess() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    long rows = Long.parseLong(args[2]);
    int accounts = Integer.parseInt(args[3]);
    int products = Integer.parseInt(args[4]);
    long paceNanos = Long.parseLong(args[5]) * 1000;
    AtomicBoolean recording = new AtomicBoolean(true);
    long[] buffer = new long[2_000_000];
    int n = 0;
    try (Connection c = DriverManager.getConnection(url, user, "");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO orders (account_id, product_id, status, amount, note)"
                    + " VALUES (?, ?, 'new', 10.00, 'written')");
        PreparedStatement update =
            c.prepareStatement(
                "UPDATE orders SET status = 'paid', amount = amount + 1 WHERE id = ?")) {
      for (int i = 0; i < WARM_UP; i++) {
        transaction(i, insert, update, rows, accounts, products);
      }
      Thread stopper =
          new Thread(
              () -> {
                try {
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                      .readLine();
                } catch (IOException e) {
                  // the parent is gone: stop as if told to
                }
                recording.set(false);
              },
              "writer-stop");
      stopper.setDaemon(true);
      stopper.start();
      System.out.println("ready");
      System.out.flush();
      long next = System.nanoTime();
      while (recording.get() && n < buffer.length) {
        long start = System.nanoTime();
        transaction(n, insert, update, rows, accounts, products);
        buffer[n++] = (System.nanoTime() - start) / 1000;
        next += paceNanos;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        } else {
          next = System.nanoTime();
        }
      }
    }
    PrintStream out = System.out;
    StringBuilder text = new StringBuilder(n * 6);
    text.append(n).append('\n');
    for (int i = 0; i < n; i++) {
      text.append(buffer[i]).append('\n');
    }
    out.print(text);
    out.flush();
  }

  private static void transaction(
      int n,
      PreparedStatement insert,
      PreparedStatement update,
      long rows,
      int accounts,
      int products)
      throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (n % 2 == 0) {
      insert.setLong(1, 1 + random.nextInt(accounts));
      insert.setLong(2, 1 + random.nextInt(products));
      insert.executeUpdate();
    } else {
      update.setLong(1, 1 + random.nextLong(rows));
      update.executeUpdate();
    }
  }
}
