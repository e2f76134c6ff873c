package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogMetrics;
import io.seglog.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 1a, group commit: T threads each append 100-byte records under {@link SyncPolicy#ALWAYS}
 * and wait for their own durable ack (blocking {@code append}), for a fixed time. Reports
 * acknowledged records/s, records per fsync (from {@link Log#metrics()}), p50/p99 ack latency, the
 * share of waits that ended while spinning ({@code waits_spun}, {@link
 * LogMetrics#fsyncWaitsSpun()}), and the T-writer / 1-writer rate ratio (issue 3 target: 64 writers
 * at least 25x one).
 *
 * <p>Each point opens a fresh log under {@code -Dseglog.scenario.dir} (default
 * /tmp/seglog-scenarios), runs {@code warmup} seconds unmeasured, then {@code seconds} measured.
 * The runs are interleaved (run 1 of every point, then run 2, ...) so that background load hits all
 * points alike.
 *
 * <p>Usage: {@code GroupCommit [threads=1,4,16,64] [seconds=5] [warmup=1] [runs=3] [bytes=100]
 * [buffer=0] [spinMicros=0]} ({@code buffer}: {@link LogConfig#writeBufferBytes()}; {@code
 * spinMicros}: {@link LogConfig#syncWaitSpin()}, a list such as {@code 0,1000} measures each in
 * every run, interleaved)
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
      long p99Nanos,
      double waitsSpunShare) {}

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
    long[] spins =
        Arrays.stream(opt.getOrDefault("spinMicros", "0").split(","))
            .mapToLong(Long::parseLong)
            .toArray();

    System.out.printf(
        "# GroupCommit threads=%s seconds=%s warmup=%s runs=%d bytes=%d buffer=%d spinMicros=%s"
            + " dir=%s%n",
        opt.getOrDefault("threads", "1,4,16,64"),
        seconds,
        warmup,
        runs,
        bytes,
        buffer,
        opt.getOrDefault("spinMicros", "0"),
        Scenarios.root());
    // results.get(spin index).get(threads): one point per run
    List<Map<Integer, List<Point>>> results = new ArrayList<>();
    List<List<Double>> ratios = new ArrayList<>();
    for (int i = 0; i < spins.length; i++) {
      Map<Integer, List<Point>> bySpin = new LinkedHashMap<>();
      for (int t : threads) {
        bySpin.put(t, new ArrayList<>());
      }
      results.add(bySpin);
      ratios.add(new ArrayList<>());
    }
    int max = threads[threads.length - 1];
    for (int run = 1; run <= runs; run++) {
      for (int i = 0; i < spins.length; i++) { // interleaved: each run measures every spin
        Duration spin = Duration.ofNanos(1000 * spins[i]);
        for (int t : threads) {
          Point p = measure(t, seconds, warmup, bytes, buffer, spin);
          results.get(i).get(t).add(p);
          System.out.printf(
              Locale.ROOT,
              "run=%d spin_us=%d threads=%d records/s=%.0f records/fsync=%.2f fsyncs/s=%.0f"
                  + " fsync_mean_us=%.0f p50_us=%.0f p99_us=%.0f waits_spun=%.2f load=\"%s\"%n",
              run,
              spins[i],
              t,
              p.recordsPerSec,
              p.recordsPerFsync,
              p.fsyncsPerSec,
              p.meanFsyncNanos / 1e3,
              p.p50Nanos / 1e3,
              p.p99Nanos / 1e3,
              p.waitsSpunShare,
              Scenarios.loadAverage());
        }
        if (threads[0] == 1 && max > 1) {
          ratios
              .get(i)
              .add(
                  results.get(i).get(max).get(run - 1).recordsPerSec
                      / results.get(i).get(1).get(run - 1).recordsPerSec);
        }
      }
    }

    for (int i = 0; i < spins.length; i++) {
      System.out.printf("%nsyncWaitSpin %d us%n", spins[i]);
      System.out.println(
          "| writers | acked records/s | records/fsync | fsyncs/s | mean fsync (us) | p50 ack (us) |"
              + " p99 ack (us) |");
      System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
      for (Map.Entry<Integer, List<Point>> e : results.get(i).entrySet()) {
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
      if (!ratios.get(i).isEmpty()) {
        System.out.printf(
            "%nratio %d-writer / 1-writer (per run), syncWaitSpin %d us: %s (target >= 25x)%n",
            max, spins[i], Scenarios.summary(ratios.get(i), "%.1fx"));
      }
    }
  }

  static Point measure(
      int threads, double seconds, double warmup, int bytes, int buffer, Duration spin)
      throws Exception {
    Path dir = Files.createTempDirectory(Scenarios.root(), "group-commit-");
    byte[] payload = new byte[bytes];
    List<Scenarios.Samples> samples = new ArrayList<>();
    Phase phase = new Phase();
    try (Log log =
        Log.open(
            dir,
            LogConfig.builder()
                .syncPolicy(SyncPolicy.ALWAYS)
                .writeBufferBytes(buffer)
                .syncWaitSpin(spin)
                .build())) {
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
      double waits = after.fsyncWaits() - before.fsyncWaits();
      return new Point(
          n / (elapsed / 1e9),
          fsyncs == 0 ? 0 : synced / fsyncs,
          fsyncs / (elapsed / 1e9),
          fsyncs == 0 ? 0 : (after.fsyncNanosTotal() - before.fsyncNanosTotal()) / fsyncs,
          Scenarios.percentile(sorted, n, 0.50),
          Scenarios.percentile(sorted, n, 0.99),
          waits == 0 ? 0 : (after.fsyncWaitsSpun() - before.fsyncWaitsSpun()) / waits);
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
