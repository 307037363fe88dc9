package dev.pitstop.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Columns aligned with spaces, for tables a person reads in a terminal. */
public final class TextTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public TextTable(String... header) {
    this.header = List.of(header);
  }

  /** Adds a row; {@code null} cells print empty. */
  public TextTable row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "expected " + header.size() + " cells, got " + Arrays.toString(cells));
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "" : c).toList());
    return this;
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Prints the header and the rows, each line indented by {@code indent}. */
  public void print(PrintStream out, String indent) {
    int[] widths = new int[header.size()];
    for (List<String> line : allLines()) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], line.get(i).length());
      }
    }
    for (List<String> line : allLines()) {
      StringBuilder text = new StringBuilder(indent);
      for (int i = 0; i < widths.length; i++) {
        text.append(line.get(i));
        if (i < widths.length - 1) {
          text.append(" ".repeat(widths[i] - line.get(i).length() + 2));
        }
      }
      out.println(text.toString().stripTrailing());
    }
  }

  private List<List<String>> allLines() {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    return all;
  }
}
