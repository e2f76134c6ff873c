package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 3, heap and open files while holding a log open. For each size (millions of 100-byte
 * records) it builds the log once (appended one record at a time under {@link SyncPolicy#NONE},
 * then synced and closed), then, {@code runs} times, in a fresh JVM ({@link HeapProbe}) opens it
 * with the default configuration and reports heap used after GC and open file descriptors: before
 * open, after open, after 100,000 random reads, after a full sequential read.
 *
 * <p>{@code cacheMiB} lists index cache sizes to hold the log open with ({@code default} is {@link
 * LogConfig#indexCacheBytes()}'s default), to show heap follows that option, not the record count.
 *
 * <p>Usage: {@code HeapAndFiles [millions=1,5,10] [cacheMiB=default,16] [runs=3]
 * [randomReads=100000] [xmx=]}
 */
public final class HeapAndFiles {
  private HeapAndFiles() {}

  static final int RECORD_BYTES = 100;

  /** The defaults, or the defaults with {@code indexCacheBytes} set (a number of bytes). */
  static LogConfig config(String indexCacheBytes) {
    return indexCacheBytes.equals("default")
        ? LogConfig.defaults()
        : LogConfig.builder().indexCacheBytes(Long.parseLong(indexCacheBytes)).build();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    String[] sizes = opt.getOrDefault("millions", "1,5,10").split(",");
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    String randomReads = opt.getOrDefault("randomReads", "100000");
    String xmx = opt.getOrDefault("xmx", "");
    String[] caches = opt.getOrDefault("cacheMiB", "default").split(",");
    List<String> jvm = xmx.isEmpty() ? List.of() : List.of("-Xmx" + xmx);
    System.out.printf(
        "# HeapAndFiles millions=%s cacheMiB=%s runs=%d randomReads=%s jvm=%s defaults=%s dir=%s%n",
        String.join(",", sizes),
        String.join(",", caches),
        runs,
        randomReads,
        jvm,
        LogConfig.defaults(),
        Scenarios.root());
    Map<String, List<Map<String, String>>> results = new LinkedHashMap<>();
    for (String size : sizes) {
      Path dir = Scenarios.root().resolve("heap-" + size + "M");
      build(dir, Long.parseLong(size) * 1_000_000L);
    }
    for (int run = 1; run <= runs; run++) {
      for (String cache : caches) {
        String cacheBytes =
            cache.equals("default") ? cache : String.valueOf(Long.parseLong(cache) << 20);
        for (String size : sizes) {
          Path dir = Scenarios.root().resolve("heap-" + size + "M");
          Map<String, String> r =
              Scenarios.runJava(HeapProbe.class, jvm, dir.toString(), randomReads, cacheBytes);
          String key = size + " M | " + (cache.equals("default") ? "default (64)" : cache);
          results.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
          System.out.printf(
              "millions=%s cacheMiB=%s run=%d %s load=\"%s\"%n",
              size, cache, run, new java.util.TreeMap<>(r), Scenarios.loadAverage());
        }
      }
    }
    System.out.println();
    System.out.println(
        "| records | index cache (MiB) | point | heap used after GC (MiB) | heap above pre-open"
            + " baseline (MiB) | open fds |");
    System.out.println("|---:|---:|---|---:|---:|---:|");
    for (Map.Entry<String, List<Map<String, String>>> e : results.entrySet()) {
      for (String point : List.of("before", "open", "random", "sequential")) {
        List<Map<String, String>> rs = e.getValue();
        System.out.printf(
            "| %s | %s | %s | %s | %s |%n",
            e.getKey(),
            point,
            Scenarios.summary(mib(rs, point + "_heap", null), "%.1f"),
            Scenarios.summary(mib(rs, point + "_heap", "before_heap"), "%.1f"),
            Scenarios.summary(
                rs.stream().map(r -> Double.parseDouble(r.get(point + "_fds"))).toList(), "%.0f"));
      }
    }
    System.out.println();
    System.out.println(
        "| records | index cache (MiB) | segments | random reads/s (cold JIT) | sequential reads/s |");
    System.out.println("|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, List<Map<String, String>>> e : results.entrySet()) {
      List<Map<String, String>> rs = e.getValue();
      System.out.printf(
          "| %s | %s | %s | %s |%n",
          e.getKey(),
          rs.get(0).get("segments"),
          Scenarios.summary(
              rs.stream().map(r -> Double.parseDouble(r.get("random_reads_per_s"))).toList(),
              "%.0f"),
          Scenarios.summary(
              rs.stream().map(r -> Double.parseDouble(r.get("seq_reads_per_s"))).toList(), "%.0f"));
    }
  }

  private static List<Double> mib(List<Map<String, String>> rs, String key, String minus) {
    return rs.stream()
        .map(
            r ->
                (Double.parseDouble(r.get(key))
                        - (minus == null ? 0 : Double.parseDouble(r.get(minus))))
                    / (1 << 20))
        .toList();
  }

  /** Builds the log once (a marker file next to it says it is complete). */
  static void build(Path dir, long records) throws Exception {
    Path done = dir.resolveSibling(dir.getFileName() + ".built");
    if (Files.exists(done)) {
      return;
    }
    Scenarios.deleteRecursively(dir);
    long t0 = System.nanoTime();
    byte[] payload = new byte[RECORD_BYTES];
    try (Log log = Log.open(dir, LogConfig.builder().syncPolicy(SyncPolicy.NONE).build())) {
      for (long i = 0; i < records; i++) {
        payload[0] = (byte) i;
        log.append(payload);
      }
      log.sync();
    }
    System.out.printf(
        Locale.ROOT,
        "built %s (%d records) in %.1f s%n",
        dir,
        records,
        (System.nanoTime() - t0) / 1e9);
    Files.createFile(done);
  }
}
