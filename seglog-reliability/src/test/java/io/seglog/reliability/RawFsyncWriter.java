package io.seglog.reliability;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child JVM of {@link RawFsyncShutdownRaceIT}: no seglog at all. Creates {@code args[0]},
 * fsyncs its directory, then appends 64-byte records (record {@code i} holds {@link #record}{@code
 * (i)}), each followed by {@code fdatasync}, printing {@code A <i>} after each. After {@code
 * args[1]} records it prints {@code DONE} and waits to be killed; on an error it prints {@code ERR}
 * and halts.
 */
public final class RawFsyncWriter {
  private RawFsyncWriter() {}

  static final int RECORD_BYTES = 64;

  static byte[] record(long i) {
    ByteBuffer b = ByteBuffer.allocate(RECORD_BYTES);
    while (b.hasRemaining()) {
      b.putLong(i * 0x9E3779B97F4A7C15L + b.position());
    }
    return b.array();
  }

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    long max = Long.parseLong(args[1]);
    PrintStream out = System.out;
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ)) {
      try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      }
      out.println("OPEN");
      out.flush();
      for (long i = 1; i <= max; i++) {
        ByteBuffer b = ByteBuffer.wrap(record(i));
        long pos = (i - 1) * RECORD_BYTES;
        while (b.hasRemaining()) {
          pos += ch.write(b, pos);
        }
        ch.force(false);
        out.println("A " + i);
        out.flush();
      }
      out.println("DONE");
      out.flush();
      System.in.read();
      Runtime.getRuntime().halt(0);
    } catch (Throwable t) {
      out.println("ERR " + t.toString().replace('\n', ' '));
      out.flush();
      Runtime.getRuntime().halt(3);
    }
  }
}
