package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineReaderTest {

  private static List<String> readAll(LineReader reader) throws IOException {
    List<String> lines = new ArrayList<>();
    byte[] line;
    while ((line = reader.next()) != null) {
      lines.add(new String(line, StandardCharsets.UTF_8));
    }
    return lines;
  }

  private static LineReader reader(String input, int bufferSize) {
    return new LineReader(
        new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), bufferSize, 1 << 20);
  }

  @Test
  void splitsOnNewlineAndStripsOneCarriageReturn() throws IOException {
    assertThat(readAll(reader("a\nbb\r\n\r\n\nc\r\r\n", 64)))
        .containsExactly("a", "bb", "", "", "c\r");
  }

  @Test
  void lastLineWithoutNewlineIsALine() throws IOException {
    assertThat(readAll(reader("a\nlast", 64))).containsExactly("a", "last");
    assertThat(readAll(reader("a\nlast\r", 64))).containsExactly("a", "last");
  }

  @Test
  void emptyInputHasNoLines() throws IOException {
    LineReader reader = reader("", 64);
    assertThat(reader.next()).isNull();
    assertThat(reader.atEnd()).isTrue();
  }

  @Test
  void linesLongerThanTheBufferGrowIt() throws IOException {
    String longLine = "x".repeat(10_000);
    assertThat(readAll(reader("a\n" + longLine + "\nb", 16))).containsExactly("a", longLine, "b");
  }

  @Test
  void seed7_randomInputSplitsLikeStringSplit() throws IOException {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(50);
      for (int i = 0; i < n; i++) {
        int len = random.nextInt(40);
        for (int j = 0; j < len; j++) {
          sb.append((char) ('a' + random.nextInt(3)));
        }
        sb.append(random.nextBoolean() ? "\n" : "\r\n");
      }
      List<String> expected = new ArrayList<>(Arrays.asList(sb.toString().split("\r?\n", -1)));
      expected.remove(expected.size() - 1);
      LineReader reader =
          new LineReader(trickle(sb.toString(), random), 1 + random.nextInt(32), 1 << 20);
      assertThat(readAll(reader)).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void tooLongLineFailsWithItsLineNumber() {
    LineReader reader =
        new LineReader(
            new ByteArrayInputStream("ok\n0123456789AB\n".getBytes(StandardCharsets.US_ASCII)),
            4,
            10);
    assertThatThrownBy(() -> readAll(reader))
        .isInstanceOf(CliFailure.class)
        .hasMessage("input line 2 is longer than the maximum record size of 10 bytes");
  }

  @Test
  void lineOneByteOverTheMaximumFailsEvenWhenItFitsTheBuffer() {
    LineReader reader =
        new LineReader(
            new ByteArrayInputStream("01234567890\n".getBytes(StandardCharsets.US_ASCII)), 64, 10);
    assertThatThrownBy(reader::next)
        .isInstanceOf(CliFailure.class)
        .hasMessage("input line 1 is longer than the maximum record size of 10 bytes");
  }

  @Test
  void aBufferedTooLongLineIsNotReportedAsBuffered() throws IOException {
    // Callers acknowledge what they hold when nothing more is buffered; a line that will fail
    // must count as not buffered, or the lines before it would be dropped with it.
    LineReader reader =
        new LineReader(
            new ByteArrayInputStream("a\n0123456789AB\n".getBytes(StandardCharsets.US_ASCII)),
            64,
            10);
    assertThat(reader.next()).containsExactly('a');
    assertThat(reader.hasBufferedLine()).isFalse();
    assertThatThrownBy(reader::next).isInstanceOf(CliFailure.class);

    LineReader atEnd =
        new LineReader(
            new ByteArrayInputStream("a\n0123456789AB".getBytes(StandardCharsets.US_ASCII)),
            64,
            10);
    assertThat(atEnd.next()).containsExactly('a');
    assertThat(atEnd.hasBufferedLine()).isFalse();
    assertThatThrownBy(atEnd::next).isInstanceOf(CliFailure.class);
  }

  @Test
  void lineOfExactlyTheMaximumIsAccepted() throws IOException {
    LineReader reader =
        new LineReader(
            new ByteArrayInputStream("0123456789\r\n".getBytes(StandardCharsets.US_ASCII)), 4, 10);
    assertThat(readAll(reader)).containsExactly("0123456789");
  }

  @Test
  void hasBufferedLineTellsWhetherNextWouldRead() throws IOException {
    // The stream hands out one chunk per read, so what is buffered is known exactly.
    InputStream chunks = chunked("a\nb\nc", "d\n");
    LineReader reader = new LineReader(chunks, 64, 1 << 20);
    assertThat(reader.hasBufferedLine()).isFalse();
    assertThat(reader.next()).containsExactly('a');
    assertThat(reader.hasBufferedLine()).isTrue();
    assertThat(reader.next()).containsExactly('b');
    // "c" is only part of a line: next() must read more first.
    assertThat(reader.hasBufferedLine()).isFalse();
    assertThat(reader.next()).containsExactly('c', 'd');
    assertThat(reader.hasBufferedLine()).isFalse();
    assertThat(reader.next()).isNull();
    assertThat(reader.lineNumber()).isEqualTo(3);
  }

  /** A stream returning the input in random small pieces, like a pipe. */
  private static InputStream trickle(String s, Random random) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return new InputStream() {
      int pos;

      @Override
      public int read() {
        return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos == bytes.length) {
          return -1;
        }
        int n = Math.min(Math.min(len, bytes.length - pos), 1 + random.nextInt(7));
        System.arraycopy(bytes, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  private static InputStream chunked(String... chunks) {
    return new InputStream() {
      int next;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (next == chunks.length) {
          return -1;
        }
        byte[] chunk = chunks[next++].getBytes(StandardCharsets.US_ASCII);
        assertThat(len).isGreaterThanOrEqualTo(chunk.length);
        System.arraycopy(chunk, 0, b, off, chunk.length);
        return chunk.length;
      }
    };
  }
}
