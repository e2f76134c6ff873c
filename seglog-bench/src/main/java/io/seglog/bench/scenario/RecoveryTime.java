package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 2, recovery after an unclean shutdown. For each size (GiB) it builds, once, a log of 1
 * KiB records under {@link SyncPolicy#NONE} with 64 MiB segments, then syncs and closes it. Each
 * run then measures, each {@code Log.open} in a fresh JVM ({@link OpenProbe}):
 *
 * <ul>
 *   <li>{@code clean}: open after a clean close, page cache warm;
 *   <li>{@code clean-cold}: the same with the page cache dropped first ({@code sync; echo 3 >
 *       /proc/sys/vm/drop_caches}, needs root; reported if it fails);
 *   <li>{@code unclean}: a child JVM ({@link UncleanTail}) appends {@code tail} MiB more and is
 *       killed with {@code destroyForcibly()} without closing, then the log is opened (warm cache);
 *   <li>{@code unclean-cold}: the same, with the page cache dropped before the open.
 * </ul>
 *
 * <p>Usage: {@code RecoveryTime [sizes=1,4] [runs=3] [tail=10] [keep=true]}
 */
public final class RecoveryTime {
  private RecoveryTime() {}

  static final int RECORD_BYTES = 1024;

  static LogConfig config() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(64L << 20).build();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    String[] sizes = opt.getOrDefault("sizes", "1,4").split(",");
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    int tail = Integer.parseInt(opt.getOrDefault("tail", "10"));
    boolean keep = Boolean.parseBoolean(opt.getOrDefault("keep", "true"));
    System.out.printf(
        "# RecoveryTime sizes=%s GiB runs=%d tail=%d MiB dir=%s%n",
        String.join(",", sizes), runs, tail, Scenarios.root());

    String[] kinds = {"clean", "clean-cold", "unclean", "unclean-cold"};
    Map<String, List<Map<String, String>>> results = new LinkedHashMap<>();
    boolean dropWorked = true;
    // A tiny log each probe opens first, so that open_ms is not mostly class loading.
    Path warm = Scenarios.root().resolve("recovery-warmup");
    if (!Files.exists(warm)) {
      try (Log log = Log.open(warm, config())) {
        log.append(new byte[RECORD_BYTES]);
      }
    }
    for (String size : sizes) {
      Path dir = Scenarios.root().resolve("recovery-" + size + "GiB");
      build(dir, Long.parseLong(size) << 30);
      for (int run = 1; run <= runs; run++) {
        for (String kind : kinds) {
          if (kind.startsWith("unclean")) {
            killedTail(dir, tail);
          }
          if (kind.endsWith("cold")) {
            dropWorked &= Scenarios.dropPageCache();
          }
          Map<String, String> r =
              Scenarios.runJava(OpenProbe.class, List.of(), dir.toString(), warm.toString());
          results.computeIfAbsent(size + " " + kind, k -> new ArrayList<>()).add(r);
          System.out.printf(
              "size=%sGiB run=%d kind=%s %s load=\"%s\"%n",
              size, run, kind, line(r), Scenarios.loadAverage());
        }
      }
      if (!keep) {
        Scenarios.deleteRecursively(dir);
      }
    }
    if (!dropWorked) {
      System.out.println("NOTE: dropping the page cache failed; unclean-cold is not cold");
    }
    System.out.println();
    System.out.println(
        "| log | open | open time (ms) | tiny-log open before it, first in the JVM (ms) | segments"
            + " scanned | bytes scanned | bytes cut | segments |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, List<Map<String, String>>> e : results.entrySet()) {
      String[] k = e.getKey().split(" ");
      List<Map<String, String>> rs = e.getValue();
      System.out.printf(
          "| %s GiB | %s | %s | %s | %s | %s | %s | %s |%n",
          k[0],
          k[1],
          Scenarios.summary(values(rs, "open_ms"), "%.1f"),
          Scenarios.summary(values(rs, "warm_open_ms"), "%.1f"),
          Scenarios.summary(values(rs, "segmentsScanned"), "%.0f"),
          Scenarios.summary(values(rs, "bytesScanned"), "%.0f"),
          Scenarios.summary(values(rs, "bytesCut"), "%.0f"),
          Scenarios.summary(values(rs, "segments"), "%.0f"));
    }
  }

  private static List<Double> values(List<Map<String, String>> rs, String key) {
    return rs.stream().map(r -> Double.parseDouble(r.get(key))).toList();
  }

  private static String line(Map<String, String> r) {
    StringBuilder b = new StringBuilder();
    for (String k :
        List.of(
            "warm_open_ms",
            "open_ms",
            "segmentsScanned",
            "bytesScanned",
            "bytesCut",
            "records",
            "segments")) {
      b.append(k).append('=').append(r.get(k)).append(' ');
    }
    return b.toString().trim();
  }

  /** Builds the log once (a marker file next to it says it is complete). */
  static void build(Path dir, long bytes) throws Exception {
    Path done = dir.resolveSibling(dir.getFileName() + ".built");
    if (Files.exists(done)) {
      return;
    }
    Scenarios.deleteRecursively(dir);
    long t0 = System.nanoTime();
    byte[] payload = new byte[RECORD_BYTES];
    try (Log log = Log.open(dir, config())) {
      while (log.stats().totalBytes() < bytes) {
        for (int j = 0; j < 10_000; j++) {
          payload[0] = (byte) j;
          log.append(payload);
        }
      }
      log.sync();
    }
    System.out.printf(
        Locale.ROOT,
        "built %s (%d MiB) in %.1f s%n",
        dir,
        bytes >> 20,
        (System.nanoTime() - t0) / 1e9);
    Files.createFile(done);
  }

  /** Appends {@code tailMiB} in a child JVM and kills it before it closes the log. */
  static void killedTail(Path dir, int tailMiB) throws Exception {
    Process child =
        Scenarios.startJava(UncleanTail.class, List.of(), dir.toString(), String.valueOf(tailMiB));
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      if (line == null || !line.startsWith("ready")) {
        throw new IllegalStateException("UncleanTail failed: " + line);
      }
    } finally {
      child.destroyForcibly();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("UncleanTail did not die");
      }
    }
  }
}
