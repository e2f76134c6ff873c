package io.seglog.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a child's acknowledgements: one decimal number per {@code \n}-terminated line. A last line
 * without its {@code \n} (the child died while printing it) is not an acknowledgement and is
 * dropped. Reading waits until the child prints or exits: that is the only synchronization the
 * crash tests use.
 *
 * <p>A daemon thread reads the stream into a queue, and {@link #nextLine} waits for the queue at
 * most {@link #LINE_LIMIT_SECONDS}: a read of a pipe ignores JUnit's {@code @Timeout} interrupt, so
 * a hung child would otherwise hang the test (the caller kills the child in its {@code finally},
 * which ends the reading thread). What the child printed before it died is still read, up to the
 * end of the stream. {@link #nextLine} and {@link #nextIndex} are for one thread.
 */
final class AckStream {
  /** How long {@link #nextLine} waits for a line: far beyond any healthy child's pause. */
  static final long LINE_LIMIT_SECONDS = 300;

  /** A line, the end of the stream ({@link #END}), or the reading thread's failure. */
  private final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();

  private static final Object END = new Object();

  private boolean ended; // only the caller's thread

  AckStream(InputStream in) {
    Thread reader = new Thread(() -> readAll(in), "ack-stream reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void readAll(InputStream in) {
    byte[] buf = new byte[1 << 16];
    StringBuilder line = new StringBuilder();
    try {
      for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n') {
            lines.add(line.toString());
            line.setLength(0);
          } else {
            line.append((char) b);
          }
        }
      }
      lines.add(END); // a partial last line is dropped
    } catch (IOException e) {
      lines.add(e);
    }
  }

  /**
   * The next complete line, or null at the end of the stream.
   *
   * @throws AssertionError if the child printed no line and did not end for {@link
   *     #LINE_LIMIT_SECONDS}
   */
  String nextLine() throws IOException {
    if (ended) {
      return null;
    }
    Object next;
    try {
      next = lines.poll(LINE_LIMIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the child's next line", e);
    }
    if (next == null) {
      throw new AssertionError(
          "the child printed no line and did not exit for " + LINE_LIMIT_SECONDS + " s: hung?");
    }
    if (next == END) {
      ended = true;
      return null;
    }
    if (next instanceof IOException e) {
      ended = true;
      throw new IOException("reading the child's output failed", e);
    }
    return (String) next;
  }

  /** The next acknowledged index, or -1 at the end of the stream. */
  long nextIndex() throws IOException {
    String line = nextLine();
    if (line == null) {
      return -1;
    }
    try {
      return Long.parseLong(line);
    } catch (NumberFormatException e) {
      throw new IOException("not an index: '" + line + "'", e);
    }
  }
}
