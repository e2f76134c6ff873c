package io.seglog.golden;

import io.seglog.Compression;
import io.seglog.Entry;
import io.seglog.KeyProvider;
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
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The deterministic log of the format version 2 golden files: coded frames. A fixed log id, a clock
 * that only moves when told, fixed keys and salts drawn from a seeded source (never do this outside
 * golden files: salts must be random), 4096-byte segments. Five sessions (each a close and reopen
 * with another configuration):
 *
 * <ol>
 *   <li>zstd: compressed frames, single records and batches, and a small frame left plain;
 *   <li>lz4 (after a roll): compressed frames;
 *   <li>zstd, encrypted with key 1;
 *   <li>no compression, encrypted with key 2 (key 1 still provided): rotation;
 *   <li>lz4, encrypted with key 2.
 * </ol>
 *
 * <p>{@link #main} wrote src/test/resources/golden/v2 once. Never regenerate those files.
 */
public final class GoldenLogV2 {
  private GoldenLogV2() {}

  public static final UUID LOG_ID = UUID.fromString("601de000-0000-4002-8000-00000000a002");
  public static final long CLOCK_START = 1_700_000_000_000L;

  /** Key 1: bytes 0x01..0x20; key 2: bytes 0x21..0x40 (see the folder's README). */
  public static final byte[] KEY_1 = range(0x01);

  public static final byte[] KEY_2 = range(0x21);

  /** Both keys, key 2 current: reads every frame of the golden log. */
  public static final KeyProvider KEYS = KeyProvider.of(2, Map.of(1, KEY_1, 2, KEY_2));

  private static byte[] range(int from) {
    byte[] k = new byte[32];
    for (int i = 0; i < 32; i++) {
      k[i] = (byte) (from + i);
    }
    return k;
  }

  /** A reading configuration: every key, no compression of new frames. */
  public static LogConfig config() {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.ALWAYS)
        .segmentBytes(4096)
        .maxRecordBytes(2048)
        .encryption(KEYS)
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

  private static final class SeededSalts extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final transient SplittableRandom rnd;

    SeededSalts(long seed) {
      this.rnd = new SplittableRandom(seed);
    }

    @Override
    public void nextBytes(byte[] bytes) {
      rnd.nextBytes(bytes);
    }
  }

  private static void generate(Path dir, List<ExpectedRecord> out) {
    TestClock clock = new TestClock(CLOCK_START);
    LogConfig base = config().toBuilder().clock(clock).compressionMinBytes(64).build();
    LogConfig[] sessions = {
      base.toBuilder().compression(Compression.ZSTD).encryption(null).build(),
      base.toBuilder().compression(Compression.LZ4).encryption(null).build(),
      base.toBuilder()
          .compression(Compression.ZSTD)
          .encryption(KeyProvider.of(1, Map.of(1, KEY_1)))
          .build(),
      base.toBuilder().compression(Compression.NONE).encryption(KEYS).build(),
      base.toBuilder().compression(Compression.LZ4).encryption(KEYS).build(),
    };
    long next = 1;
    for (int s = 0; s < sessions.length; s++) {
      Log log =
          dir == null
              ? null
              : SegmentedLog.open(
                  dir, sessions[s], NioFileIO.INSTANCE, LOG_ID, new SeededSalts(1000 + s));
      for (int i = 0; i < 8; i++) {
        clock.advance(1000);
        int n = s * 8 + i;
        if (i % 4 == 2) {
          List<Entry> batch = new ArrayList<>();
          for (int k = 0; k < 3; k++) {
            byte[] b = text(n * 3 + k);
            long ts = 1_600_000_000_000L + n * 10L + k;
            batch.add(Entry.of(b, 200 + k, ts));
            out.add(new ExpectedRecord(next + k, ts, 200 + k, b));
          }
          if (log != null) {
            check(log.appendBatch(batch), next);
          }
          next += 3;
        } else if (i == 5) {
          // small, below compressionMinBytes: stays plain unless encrypted; assigned timestamp
          byte[] p = ("tiny " + n).getBytes(StandardCharsets.UTF_8);
          out.add(new ExpectedRecord(next, clock.millis(), 0, p));
          if (log != null) {
            check(log.append(p), next);
          }
          next++;
        } else {
          byte[] p = i == 7 ? json(n) : text(n);
          long ts = 1_600_000_000_000L + n * 10L;
          out.add(new ExpectedRecord(next, ts, n % 5, p));
          if (log != null) {
            check(log.append(Entry.of(p, n % 5, ts)), next);
          }
          next++;
        }
      }
      if (log != null) {
        if (s == 0) {
          log.roll();
        }
        log.close();
      }
    }
  }

  private static byte[] text(int n) {
    return ("record " + n + ": the log appends, the log reads, the log recovers. ")
        .repeat(1 + n % 4)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] json(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < 6; i++) {
      sb.append("{\"id\":").append(n * 10 + i).append(",\"kind\":\"event\",\"ok\":true},");
    }
    return sb.append("null]").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void check(long index, long expected) {
    if (index != expected) {
      throw new IllegalStateException("appended at " + index + ", expected " + expected);
    }
  }

  /** Writes the golden files once: {@code GoldenLogV2 <empty or absent directory>}. */
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
