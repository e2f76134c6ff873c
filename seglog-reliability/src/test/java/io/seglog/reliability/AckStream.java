package io.seglog.reliability;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a child's acknowledgements: one decimal number per {@code \n}-terminated line. A last line
 * without its {@code \n} (the child died while printing it) is not an acknowledgement and is
 * dropped. Reading blocks until the child prints or exits: that is the only synchronization the
 * crash tests use. Not thread-safe.
 */
final class AckStream {
  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int end;

  AckStream(InputStream in) {
    this.in = in;
  }

  /** The next complete line, or null at the end of the stream. */
  String nextLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      if (pos == end) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          return null; // a partial last line is dropped
        }
        pos = 0;
        end = n;
      }
      byte b = buf[pos++];
      if (b == '\n') {
        return line.toString();
      }
      line.append((char) b);
    }
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
