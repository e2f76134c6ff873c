package io.seglog.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines without decoding them: a line ends at {@code \n}, which is
 * removed together with one {@code \r} before it; a last line without {@code \n} is still a line.
 * Not thread-safe.
 *
 * <p>{@link #hasBufferedLine()} tells, without blocking, whether {@link #next()} can return a line
 * from what is already buffered. {@link AppendCommand} relies on it to acknowledge every record it
 * holds before it blocks waiting for more input.
 */
final class LineReader {
  private final InputStream in;
  private final int maxLineBytes;
  private byte[] buf;

  /** The unread bytes are {@code buf[start, end)}. */
  private int start;

  private int end;

  /** Where the next {@code \n} is, or -1 if not yet searched; valid only when {@code >= start}. */
  private int knownNewline = -1;

  private boolean eof;
  private long lineNumber;

  /**
   * @param bufferSize initial buffer size; the buffer grows for longer lines
   * @param maxLineBytes longest line accepted, without its line terminator
   */
  LineReader(InputStream in, int bufferSize, int maxLineBytes) {
    this.in = in;
    this.buf = new byte[bufferSize];
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * Whether {@link #next()} can return a line without reading the stream and without failing. False
   * when the next buffered line is too long, so that a caller acknowledges what it holds before it
   * calls {@link #next()} and gets the failure.
   */
  boolean hasBufferedLine() {
    int nl = newline();
    if (nl >= 0) {
      return lineLength(start, nl) <= maxLineBytes;
    }
    return eof && end > start && lineLength(start, end) <= maxLineBytes;
  }

  /** Whether the stream is exhausted and every line has been returned. */
  boolean atEnd() {
    return eof && end == start;
  }

  /** The number of lines returned so far. */
  long lineNumber() {
    return lineNumber;
  }

  /**
   * The next line, without its terminator, or null at the end of the stream. Blocks reading the
   * stream only when no complete line is buffered.
   *
   * @throws CliFailure if a line is longer than {@code maxLineBytes}
   */
  byte[] next() throws IOException {
    while (true) {
      int nl = newline();
      if (nl >= 0) {
        byte[] line = copyLine(start, nl);
        start = nl + 1;
        return line;
      }
      if (eof) {
        if (end == start) {
          return null;
        }
        byte[] line = copyLine(start, end);
        start = end;
        return line;
      }
      // The longest acceptable line is maxLineBytes plus a '\r'.
      if (end - start > maxLineBytes + 1) {
        throw tooLong();
      }
      fill();
    }
  }

  private int newline() {
    if (knownNewline >= start) {
      return knownNewline;
    }
    for (int i = start; i < end; i++) {
      if (buf[i] == '\n') {
        knownNewline = i;
        return i;
      }
    }
    return -1;
  }

  /** Length of the line in {@code buf[from, to)} once a trailing {@code \r} is removed. */
  private int lineLength(int from, int to) {
    return to > from && buf[to - 1] == '\r' ? to - 1 - from : to - from;
  }

  private byte[] copyLine(int from, int to) {
    int length = lineLength(from, to);
    if (length > maxLineBytes) {
      throw tooLong();
    }
    lineNumber++;
    return Arrays.copyOfRange(buf, from, from + length);
  }

  private CliFailure tooLong() {
    return new CliFailure(
        "input line "
            + (lineNumber + 1)
            + " is longer than the maximum record size of "
            + maxLineBytes
            + " bytes");
  }

  /** Makes room (compacting, then growing) and reads once; called only with no newline buffered. */
  private void fill() throws IOException {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    knownNewline = -1;
    if (end == buf.length) {
      buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, (long) maxLineBytes + 2));
    }
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      eof = true;
    } else {
      end += n;
    }
  }
}
