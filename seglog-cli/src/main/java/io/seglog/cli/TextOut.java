package io.seglog.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Buffered UTF-8 text output over the tool's stdout. A {@link PrintWriter} never throws, so callers
 * check for a closed stdout (a reader like {@code head} that went away) with {@link #check}.
 * Thread-safe (stateless).
 */
final class TextOut {
  private TextOut() {}

  /**
   * A buffered writer over {@code out}. Lines end with {@code \n} on every platform when written
   * with {@code print(... + "\n")}; the caller flushes (closing would close stdout).
   */
  static PrintWriter over(OutputStream out) {
    return new PrintWriter(
        new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16), false);
  }

  /**
   * Flushes {@code out} and fails if anything written to it was lost.
   *
   * @throws CliFailure if stdout could not be written, e.g. the reading end of a pipe closed
   */
  static void check(PrintWriter out) {
    if (out.checkError()) {
      throw new CliFailure("cannot write to standard output (closed pipe?)");
    }
  }
}
