package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogMetrics;
import io.seglog.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 1a, group commit: T threads each append 100-byte records under {@link SyncPolicy#ALWAYS}
 * and wait for their own durable ack (blocking {@code append}), for a fixed time. Reports
 * acknowledged records/s, records per fsync (from {@link Log#metrics()}), p50/p99 ack latency, and
 * the T-writer / 1-writer rate ratio (issue 3 target: 64 writers at least 25x one).
 *
 * <p>Each point opens a fresh log under {@code -Dseglog.scenario.dir} (default
 * /tmp/seglog-scenarios), runs {@code warmup} seconds unmeasured, then {@code seconds} measured.
 * The runs are interleaved (run 1 of every point, then run 2, ...) so that background load hits all
 * points alike.
 *
 * <p>Usage: {@code GroupCommit [threads=1,4,16,64] [seconds=5] [warmup=1] [runs=3] [bytes=100]
 * [buffer=0]} ({@code buffer}: {@link LogConfig#writeBufferBytes()})
 */
public final class GroupCommit {
  private GroupCommit() {}

  /** One measured point. */
  record Point(
      double recordsPerSec,
      double recordsPerFsync,
      double fsyncsPerSec,
      double meanFsyncNanos,
      long p50Nanos,
      long p99Nanos) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    int[] threads =
        Arrays.stream(opt.getOrDefault("threads", "1,4,16,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    double seconds = Double.parseDouble(opt.getOrDefault("seconds", "5"));
    double warmup = Double.parseDouble(opt.getOrDefault("warmup", "1"));
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    int bytes = Integer.parseInt(opt.getOrDefault("bytes", "100"));
    int buffer = Integer.parseInt(opt.getOrDefault("buffer", "0"));

    System.out.printf(
        "# GroupCommit threads=%s seconds=%s warmup=%s runs=%d bytes=%d buffer=%d dir=%s%n",
        opt.getOrDefault("threads", "1,4,16,64"),
        seconds,
        warmup,
        runs,
        bytes,
        buffer,
        Scenarios.root());
    Map<Integer, List<Point>> results = new LinkedHashMap<>();
    for (int t : threads) {
      results.put(t, new ArrayList<>());
    }
    List<Double> ratios = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      for (int t : threads) {
        Point p = measure(t, seconds, warmup, bytes, buffer);
        results.get(t).add(p);
        System.out.printf(
            Locale.ROOT,
            "run=%d threads=%d records/s=%.0f records/fsync=%.2f fsyncs/s=%.0f fsync_mean_us=%.0f"
                + " p50_us=%.0f p99_us=%.0f"
                + " load=\"%s\"%n",
            run,
            t,
            p.recordsPerSec,
            p.recordsPerFsync,
            p.fsyncsPerSec,
            p.meanFsyncNanos / 1e3,
            p.p50Nanos / 1e3,
            p.p99Nanos / 1e3,
            Scenarios.loadAverage());
      }
      int max = threads[threads.length - 1];
      if (threads[0] == 1 && max > 1) {
        ratios.add(
            results.get(max).get(run - 1).recordsPerSec
                / results.get(1).get(run - 1).recordsPerSec);
      }
    }

    System.out.println();
    System.out.println(
        "| writers | acked records/s | records/fsync | fsyncs/s | mean fsync (us) | p50 ack (us) | p99 ack"
            + " (us) |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<Integer, List<Point>> e : results.entrySet()) {
      List<Point> ps = e.getValue();
      System.out.printf(
          "| %d | %s | %s | %s | %s | %s | %s |%n",
          e.getKey(),
          Scenarios.summary(ps.stream().map(p -> p.recordsPerSec).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.recordsPerFsync).toList(), "%.2f"),
          Scenarios.summary(ps.stream().map(p -> p.fsyncsPerSec).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.meanFsyncNanos / 1e3).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.p50Nanos / 1e3).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.p99Nanos / 1e3).toList(), "%.0f"));
    }
    if (!ratios.isEmpty()) {
      System.out.printf(
          "%nratio %d-writer / 1-writer (per run): %s (target >= 25x)%n",
          threads[threads.length - 1], Scenarios.summary(ratios, "%.1fx"));
    }
  }

  static Point measure(int threads, double seconds, double warmup, int bytes, int buffer)
      throws Exception {
    Path dir = Files.createTempDirectory(Scenarios.root(), "group-commit-");
    byte[] payload = new byte[bytes];
    List<Scenarios.Samples> samples = new ArrayList<>();
    Phase phase = new Phase();
    try (Log log =
        Log.open(
            dir,
            LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).writeBufferBytes(buffer).build())) {
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Scenarios.Samples s = new Scenarios.Samples();
        samples.add(s);
        Thread w =
            new Thread(
                () -> {
                  while (phase.state != Phase.DONE) {
                    long t0 = System.nanoTime();
                    log.append(payload);
                    long t1 = System.nanoTime();
                    if (phase.state == Phase.MEASURING) {
                      s.add(t1 - t0);
                    }
                  }
                },
                "appender-" + i);
        workers.add(w);
        w.start();
      }
      Thread.sleep((long) (warmup * 1000));
      LogMetrics before = log.metrics();
      long start = System.nanoTime();
      phase.state = Phase.MEASURING;
      Thread.sleep((long) (seconds * 1000));
      phase.state = Phase.DONE;
      long elapsed = System.nanoTime() - start;
      LogMetrics after = log.metrics();
      for (Thread w : workers) {
        w.join();
      }
      long[] sorted = Scenarios.Samples.sortedUnion(samples);
      int n = sorted.length;
      double fsyncs = after.fsyncs() - before.fsyncs();
      double synced = after.recordsSynced() - before.recordsSynced();
      return new Point(
          n / (elapsed / 1e9),
          fsyncs == 0 ? 0 : synced / fsyncs,
          fsyncs / (elapsed / 1e9),
          fsyncs == 0 ? 0 : (after.fsyncNanosTotal() - before.fsyncNanosTotal()) / fsyncs,
          Scenarios.percentile(sorted, n, 0.50),
          Scenarios.percentile(sorted, n, 0.99));
    } finally {
      Scenarios.deleteRecursively(dir);
    }
  }

  /** Run state shared with the appender threads. */
  static final class Phase {
    static final int WARMUP = 0;
    static final int MEASURING = 1;
    static final int DONE = 2;
    volatile int state = WARMUP;
  }
}
