package io.seglog.cli;

import java.util.List;

/**
 * A plain-text table with aligned columns, two spaces apart, for human output. Thread-safe
 * (stateless).
 */
final class Table {
  private Table() {}

  /**
   * Renders {@code rows} (the first is the header) with each column as wide as its widest cell;
   * columns flagged in {@code rightAligned} (numbers) are right-aligned. Trailing blanks are
   * trimmed, every line ends with a newline.
   */
  static String render(List<String[]> rows, boolean[] rightAligned) {
    int columns = rightAligned.length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      if (row.length != columns) {
        throw new IllegalArgumentException("row has " + row.length + " cells, expected " + columns);
      }
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        if (c > 0) {
          line.append("  ");
        }
        String pad = " ".repeat(width[c] - row[c].length());
        line.append(rightAligned[c] ? pad + row[c] : row[c] + pad);
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
