package io.seglog.bench.scenario;

import io.seglog.Compression;
import io.seglog.Entry;
import io.seglog.KeyProvider;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.SegmentInfo;
import io.seglog.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Compression ratio and throughput per codec, with and without encryption, for three payload kinds:
 * English-like text, JSON events, and random bytes. Each run appends {@code --mib} MiB of payload
 * (default 64) in batches of {@code --batch} records (default 16) of about {@code --record} bytes
 * (default 1024) under {@code SyncPolicy.NONE} (the codec's cost, not the disk's), closes, reopens
 * and reads everything back sequentially. Reports the median of {@code --runs} runs (default 3)
 * with min..max:
 *
 * <ul>
 *   <li>ratio: payload bytes / bytes of segment files (frame and record headers included, so an
 *       uncompressed log is slightly below 1);
 *   <li>append MB/s of payload (10^6 bytes per second) from open to close, the close's fsync
 *       included; read MB/s of payload from a read-only open to the last record (page cache warm).
 * </ul>
 *
 * <p>Run: {@code java -cp seglog-bench/target/seglog-benchmarks.jar
 * io.seglog.bench.scenario.CompressionRatio [--mib 64] [--runs 3] [--batch 16] [--record 1024]}
 */
public final class CompressionRatio {
  private CompressionRatio() {}

  enum Kind {
    TEXT,
    JSON,
    RANDOM
  }

  record Setting(String name, Compression codec, boolean encrypt) {}

  static final List<Setting> SETTINGS =
      List.of(
          new Setting("none", Compression.NONE, false),
          new Setting("lz4", Compression.LZ4, false),
          new Setting("zstd", Compression.ZSTD, false),
          new Setting("aes", Compression.NONE, true),
          new Setting("lz4+aes", Compression.LZ4, true),
          new Setting("zstd+aes", Compression.ZSTD, true));

  static final KeyProvider KEYS = KeyProvider.of(1, Map.of(1, new byte[32]));

  private static final String[] WORDS =
      ("the of and to in is that for it as was with be by on not he this are or his from at which"
              + " but have an they you were her she there been one all we their has would when if"
              + " so no will more can out up said about other into than its time only could new"
              + " them some these then two first may any like now my such make over our even most"
              + " log record segment frame index append read recover durable checksum crash disk")
          .split(" ");

  public static void main(String[] args) throws Exception {
    int mib = 64;
    int runs = 3;
    int batch = 16;
    int record = 1024;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mib" -> mib = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--record" -> record = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "compression: %d MiB of payload per run, batches of %d records of ~%d bytes, %d runs;"
            + " load average before: %s%n",
        mib,
        batch,
        record,
        runs,
        Scenarios.loadAverage());
    System.out.println("| payload | setting | ratio | append MB/s | read MB/s |");
    System.out.println("|---|---|---|---|---|");
    for (Kind kind : Kind.values()) {
      List<byte[]> payloads = payloads(kind, record, 4096);
      for (Setting s : SETTINGS) {
        List<Double> ratios = new ArrayList<>();
        List<Double> appends = new ArrayList<>();
        List<Double> reads = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
          double[] m = run(s, payloads, (long) mib << 20, batch);
          ratios.add(m[0]);
          appends.add(m[1]);
          reads.add(m[2]);
        }
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %s | %s | %s |%n",
            kind.name().toLowerCase(Locale.ROOT),
            s.name(),
            Scenarios.summary(ratios, "%.2f"),
            Scenarios.summary(appends, "%.0f"),
            Scenarios.summary(reads, "%.0f"));
      }
    }
    System.out.println("load average after: " + Scenarios.loadAverage());
  }

  /** One run: {ratio, append MB/s, read MB/s}. */
  static double[] run(Setting s, List<byte[]> payloads, long bytes, int batch) throws Exception {
    Path dir = Scenarios.root().resolve("compression-" + s.name());
    Scenarios.deleteRecursively(dir);
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .segmentBytes(64L << 20)
            .compression(s.codec())
            .encryption(s.encrypt() ? KEYS : null)
            .build();
    long written = 0;
    int next = 0;
    long start = System.nanoTime();
    try (Log log = Log.open(dir, config)) {
      List<Entry> entries = new ArrayList<>(batch);
      while (written < bytes) {
        entries.clear();
        for (int i = 0; i < batch; i++) {
          byte[] p = payloads.get(next++ % payloads.size());
          entries.add(Entry.of(p));
          written += p.length;
        }
        log.appendBatch(entries);
      }
    }
    // Includes close's fsync of the last segment (sealed segments were fsynced as they rolled):
    // with 64 MiB segments, that is most of the data, so uncompressed settings pay for writing
    // more bytes to the disk, as they would in production.
    double appendSeconds = (System.nanoTime() - start) / 1e9;
    long onDisk = 0;
    long read = 0;
    start = System.nanoTime();
    try (Log log = Log.openReadOnly(dir, config)) {
      for (SegmentInfo seg : log.segments()) {
        onDisk += seg.bytes();
      }
      try (LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
        while (reader.hasNext()) {
          read += reader.next().size();
        }
      }
    }
    double readSeconds = (System.nanoTime() - start) / 1e9;
    if (read != written) {
      throw new IllegalStateException("read " + read + " bytes, wrote " + written);
    }
    Scenarios.deleteRecursively(dir);
    return new double[] {
      (double) written / onDisk, written / appendSeconds / 1e6, read / readSeconds / 1e6
    };
  }

  /** {@code count} distinct payloads of about {@code size} bytes of {@code kind}, seeded. */
  static List<byte[]> payloads(Kind kind, int size, int count) {
    SplittableRandom rnd = new SplittableRandom(kind.ordinal() + 1);
    List<byte[]> out = new ArrayList<>(count);
    for (int n = 0; n < count; n++) {
      int target = size / 2 + rnd.nextInt(size + 1); // 0.5x .. 1.5x
      StringBuilder sb = new StringBuilder(target + 64);
      switch (kind) {
        case TEXT -> {
          while (sb.length() < target) {
            String w = WORDS[(int) Math.min(WORDS.length - 1, Math.abs(rnd.nextGaussian()) * 25)];
            sb.append(sb.length() == 0 || rnd.nextInt(12) == 0 ? capital(w) : w);
            sb.append(rnd.nextInt(15) == 0 ? ". " : " ");
          }
        }
        case JSON -> {
          sb.append('[');
          while (sb.length() < target) {
            sb.append("{\"id\":")
                .append(rnd.nextLong(1L << 40))
                .append(",\"ts\":")
                .append(1_700_000_000_000L + rnd.nextInt(1_000_000_000))
                .append(",\"user\":\"user-")
                .append(rnd.nextInt(5000))
                .append("\",\"action\":\"")
                .append(new String[] {"login", "logout", "view", "purchase"}[rnd.nextInt(4)])
                .append("\",\"amount\":")
                .append(rnd.nextInt(100_000) / 100.0)
                .append(",\"tags\":[\"")
                .append(WORDS[rnd.nextInt(WORDS.length)])
                .append("\"],\"ok\":")
                .append(rnd.nextBoolean())
                .append("},");
          }
          sb.setLength(sb.length() - 1);
          sb.append(']');
        }
        case RANDOM -> {
          byte[] b = new byte[target];
          rnd.nextBytes(b);
          out.add(b);
          continue;
        }
        default -> throw new IllegalStateException();
      }
      out.add(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String capital(String w) {
    return Character.toUpperCase(w.charAt(0)) + w.substring(1);
  }
}
