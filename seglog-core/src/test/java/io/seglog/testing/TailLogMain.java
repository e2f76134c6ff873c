package io.seglog.testing;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.RecordView;
import io.seglog.Tailer;
import io.seglog.Visibility;
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;

/**
 * Run in a child JVM by tests: opens the log in {@code args[0]} read-only (no lock), prints {@code
 * READY <lastIndex>}, then tails it from its first index with {@code args[2]} visibility until it
 * has read {@code args[1]} records, printing one line per record: {@code R <index> <timestamp>
 * <type> <size> <crc32 of payload>}, then {@code DONE}. Prints {@code ERROR <exception>} and exits
 * 4 on any failure.
 */
public final class TailLogMain {
  private TailLogMain() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false);
    long count = Long.parseLong(args[1]);
    Visibility visibility = Visibility.valueOf(args[2]);
    try (Log log = Log.openReadOnly(Path.of(args[0]), LogConfig.defaults());
        Tailer tailer = log.tailer(log.firstIndex(), visibility)) {
      out.println("READY " + log.lastIndex());
      out.flush();
      CRC32 crc = new CRC32();
      for (long n = 0; n < count; ) {
        RecordView v = tailer.pollView(Duration.ofSeconds(1));
        if (v == null) {
          out.flush();
          continue;
        }
        crc.reset();
        crc.update(v.payload());
        out.println(
            "R "
                + v.index()
                + " "
                + v.timestamp()
                + " "
                + v.type()
                + " "
                + v.size()
                + " "
                + crc.getValue());
        n++;
      }
      out.println("DONE");
      out.flush();
    } catch (Exception e) {
      out.println("ERROR " + e);
      out.flush();
      System.exit(4);
    }
  }
}
