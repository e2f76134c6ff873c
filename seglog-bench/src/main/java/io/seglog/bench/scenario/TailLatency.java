package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.RecordView;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import io.seglog.Visibility;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Tailer wake-up latency: one writer thread appends 100-byte records, one every {@code
 * intervalMicros}, each carrying {@link System#nanoTime()} taken just before its append call; one
 * tailer thread waits in {@code pollView} and records, for each record, the time from that stamp to
 * the poll's return: append to poll return, including the wait and wake-up. The tailer is parked
 * between records (the interval leaves it caught up), so the wake-up path is what is measured.
 *
 * <p>Modes: {@code written} (a tailer of the writer's log, {@link Visibility#WRITTEN}, {@link
 * SyncPolicy#NONE}), {@code durable} ({@link Visibility#DURABLE} under {@link SyncPolicy#ALWAYS}:
 * the fsync is inside the latency), {@code readonly} (a tailer of a second, read-only open of the
 * same directory, as another process would tail it: it polls the files with a 50 us..5 ms backoff).
 *
 * <p>Usage: {@code TailLatency [modes=written,durable,readonly] [records=20000]
 * [intervalMicros=200] [runs=3]}
 */
public final class TailLatency {
  private TailLatency() {}

  record Point(long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    String[] modes = opt.getOrDefault("modes", "written,durable,readonly").split(",");
    int records = Integer.parseInt(opt.getOrDefault("records", "20000"));
    long interval = Long.parseLong(opt.getOrDefault("intervalMicros", "200")) * 1000;
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    System.out.printf(
        "# TailLatency modes=%s records=%d intervalMicros=%d runs=%d dir=%s%n",
        String.join(",", modes), records, interval / 1000, runs, Scenarios.root());
    Map<String, List<Point>> results = new LinkedHashMap<>();
    for (String m : modes) {
      results.put(m, new ArrayList<>());
    }
    for (int run = 1; run <= runs; run++) {
      for (String mode : modes) {
        Point p = measure(mode, records, interval);
        results.get(mode).add(p);
        System.out.printf(
            Locale.ROOT,
            "run=%d mode=%s p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f load=\"%s\"%n",
            run,
            mode,
            p.p50Nanos / 1e3,
            p.p99Nanos / 1e3,
            p.p999Nanos / 1e3,
            p.maxNanos / 1e3,
            Scenarios.loadAverage());
      }
    }
    System.out.println();
    System.out.println("| mode | p50 (us) | p99 (us) | p99.9 (us) |");
    System.out.println("|---|---:|---:|---:|");
    for (Map.Entry<String, List<Point>> e : results.entrySet()) {
      List<Double> p50 = new ArrayList<>();
      List<Double> p99 = new ArrayList<>();
      List<Double> p999 = new ArrayList<>();
      for (Point p : e.getValue()) {
        p50.add(p.p50Nanos / 1e3);
        p99.add(p.p99Nanos / 1e3);
        p999.add(p.p999Nanos / 1e3);
      }
      System.out.println(
          "| "
              + e.getKey()
              + " | "
              + Scenarios.summary(p50, "%.1f")
              + " | "
              + Scenarios.summary(p99, "%.1f")
              + " | "
              + Scenarios.summary(p999, "%.1f")
              + " |");
    }
  }

  static Point measure(String mode, int records, long intervalNanos) throws Exception {
    Path dir = Scenarios.root().resolve("tail-latency-" + mode);
    Scenarios.deleteRecursively(dir);
    boolean durable = mode.equals("durable");
    LogConfig config =
        LogConfig.builder().syncPolicy(durable ? SyncPolicy.ALWAYS : SyncPolicy.NONE).build();
    long[] latencies = new long[records];
    try (Log log = Log.open(dir, config)) {
      log.append(new byte[100]); // record 1: the read-only open needs a log to open
      Log readLog = mode.equals("readonly") ? Log.openReadOnly(dir, config) : log;
      try (Tailer tailer = readLog.tailer(2, durable ? Visibility.DURABLE : Visibility.WRITTEN)) {
        Thread reader =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < records; i++) {
                      RecordView v = tailer.pollView(Duration.ofMinutes(1));
                      long now = System.nanoTime();
                      if (v == null) {
                        throw new IllegalStateException("no record " + (i + 2) + " in a minute");
                      }
                      latencies[i] = now - v.payload().getLong(v.payload().position());
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "tailer");
        reader.start();
        ByteBuffer payload = ByteBuffer.allocate(100);
        long next = System.nanoTime();
        for (int i = 0; i < records; i++) {
          next += intervalNanos;
          long wait;
          while ((wait = next - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          payload.clear().putLong(0, System.nanoTime());
          log.append(payload);
        }
        reader.join();
      } finally {
        if (readLog != log) {
          readLog.close();
        }
      }
    }
    Scenarios.deleteRecursively(dir);
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new Point(
        Scenarios.percentile(sorted, records, 0.50),
        Scenarios.percentile(sorted, records, 0.99),
        Scenarios.percentile(sorted, records, 0.999),
        sorted[records - 1]);
  }
}
