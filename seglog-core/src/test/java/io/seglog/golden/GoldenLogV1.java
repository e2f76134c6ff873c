package io.seglog.golden;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The deterministic log of the format version 1 golden files: a fixed log id, a clock that only
 * moves when told, explicit timestamps (and a few assigned by that clock), 4096-byte segments so
 * the log holds three sealed segments and an active one, batches, several types and a 0-byte
 * payload, closed cleanly.
 *
 * <p>{@link #main} wrote src/test/resources/golden/v1 once. Never regenerate those files: they pin
 * what version 1 bytes are. A new format version gets a new folder and a new generator.
 */
public final class GoldenLogV1 {
  private GoldenLogV1() {}

  public static final UUID LOG_ID = UUID.fromString("601de000-0000-4001-8000-00000000a001");
  public static final long CLOCK_START = 1_700_000_000_000L;

  /** The files of a log, in a golden folder: the lock file is not part of the format. */
  public static boolean isLogFile(Path p) {
    return !p.getFileName().toString().equals(FileNames.LOCK);
  }

  public static LogConfig config() {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.ALWAYS)
        .segmentBytes(4096)
        .maxRecordBytes(2048)
        .clock(new TestClock(CLOCK_START))
        .build();
  }

  /** Every record of the golden log, in index order. */
  public static List<ExpectedRecord> records() {
    List<ExpectedRecord> records = new ArrayList<>();
    generate(null, records);
    return records;
  }

  /** Writes the golden log into {@code dir} (which must not hold a log). */
  public static void generate(Path dir) {
    generate(dir, new ArrayList<>());
  }

  private static void generate(Path dir, List<ExpectedRecord> out) {
    TestClock clock = new TestClock(CLOCK_START);
    LogConfig config = config().toBuilder().clock(clock).build();
    Log log = dir == null ? null : SegmentedLog.open(dir, config, NioFileIO.INSTANCE, LOG_ID);
    long next = 1;
    for (int i = 0; i < 55; i++) {
      clock.advance(1000);
      // payload i: i bytes of a repeating pattern, so every byte is predictable
      byte[] p = new byte[(i * 37) % 300];
      for (int j = 0; j < p.length; j++) {
        p[j] = (byte) (i * 31 + j);
      }
      if (i % 10 == 4) {
        List<Entry> batch = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
          byte[] b = ("batch " + i + " entry " + k).getBytes(StandardCharsets.UTF_8);
          batch.add(Entry.of(b, 200 + k, 1_600_000_000_000L + i * 10L + k));
          out.add(new ExpectedRecord(next + k, 1_600_000_000_000L + i * 10L + k, 200 + k, b));
        }
        if (log != null) {
          check(log.appendBatch(batch), next);
        }
        next += 3;
      } else if (i % 10 == 7) {
        // timestamp assigned by the log's clock
        out.add(new ExpectedRecord(next, clock.millis(), 0, p));
        if (log != null) {
          check(log.append(p), next);
        }
        next++;
      } else {
        int type = i == 9 ? Entry.MAX_TYPE : i % 5;
        byte[] payload = i == 5 ? new byte[0] : p;
        long ts = 1_600_000_000_000L + i * 10L;
        out.add(new ExpectedRecord(next, ts, type, payload));
        if (log != null) {
          check(log.append(Entry.of(payload, type, ts)), next);
        }
        next++;
      }
      if (i == 25 && log != null) {
        log.roll();
      }
    }
    if (log != null) {
      log.close();
    }
  }

  private static void check(long index, long expected) {
    if (index != expected) {
      throw new IllegalStateException("appended at " + index + ", expected " + expected);
    }
  }

  /** Writes the golden files once: {@code GoldenLogV1 <empty or absent directory>}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    if (Files.exists(dir)) {
      try (var files = Files.list(dir)) {
        if (files.anyMatch(GoldenLogV1::isLogFile)) {
          throw new IllegalStateException(dir + " already holds files: never regenerate");
        }
      }
    }
    generate(dir);
    Files.deleteIfExists(dir.resolve(FileNames.LOCK));
    System.out.println("wrote " + dir);
  }
}
