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
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario 1b, async appends: one thread calls {@code appendAsync} on 100-byte records under {@link
 * SyncPolicy#ALWAYS}, keeping N appends in flight (a semaphore of N permits, released when a future
 * completes). Reports acknowledged (completed) records/s, records per fsync, and p50/p99 latency
 * from the call to the future's completion.
 *
 * <p>Usage: {@code AsyncInFlight [inflight=1,64,1024] [seconds=5] [warmup=1] [runs=3] [bytes=100]}
 */
public final class AsyncInFlight {
  private AsyncInFlight() {}

  /** One measured point. */
  record Point(
      double recordsPerSec,
      double recordsPerFsync,
      double meanFsyncNanos,
      long p50Nanos,
      long p99Nanos) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    int[] inflight =
        Arrays.stream(opt.getOrDefault("inflight", "1,64,1024").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    double seconds = Double.parseDouble(opt.getOrDefault("seconds", "5"));
    double warmup = Double.parseDouble(opt.getOrDefault("warmup", "1"));
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    int bytes = Integer.parseInt(opt.getOrDefault("bytes", "100"));

    System.out.printf(
        "# AsyncInFlight inflight=%s seconds=%s warmup=%s runs=%d bytes=%d dir=%s%n",
        opt.getOrDefault("inflight", "1,64,1024"), seconds, warmup, runs, bytes, Scenarios.root());
    Map<Integer, List<Point>> results = new LinkedHashMap<>();
    for (int n : inflight) {
      results.put(n, new ArrayList<>());
    }
    for (int run = 1; run <= runs; run++) {
      for (int n : inflight) {
        Point p = measure(n, seconds, warmup, bytes);
        results.get(n).add(p);
        System.out.printf(
            Locale.ROOT,
            "run=%d inflight=%d records/s=%.0f records/fsync=%.2f fsync_mean_us=%.0f p50_us=%.0f"
                + " p99_us=%.0f load=\"%s\"%n",
            run,
            n,
            p.recordsPerSec,
            p.recordsPerFsync,
            p.meanFsyncNanos / 1e3,
            p.p50Nanos / 1e3,
            p.p99Nanos / 1e3,
            Scenarios.loadAverage());
      }
    }
    System.out.println();
    System.out.println(
        "| in flight | acked records/s | records/fsync | mean fsync (us) | p50 ack (us) | p99 ack"
            + " (us) |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<Integer, List<Point>> e : results.entrySet()) {
      List<Point> ps = e.getValue();
      System.out.printf(
          "| %d | %s | %s | %s | %s | %s |%n",
          e.getKey(),
          Scenarios.summary(ps.stream().map(p -> p.recordsPerSec).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.recordsPerFsync).toList(), "%.2f"),
          Scenarios.summary(ps.stream().map(p -> p.meanFsyncNanos / 1e3).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.p50Nanos / 1e3).toList(), "%.0f"),
          Scenarios.summary(ps.stream().map(p -> p.p99Nanos / 1e3).toList(), "%.0f"));
    }
  }

  static Point measure(int inflight, double seconds, double warmup, int bytes) throws Exception {
    Path dir = Files.createTempDirectory(Scenarios.root(), "async-");
    byte[] payload = new byte[bytes];
    // Completions come from the flush worker (or this thread, if already durable): a shared,
    // preallocated sample array indexed atomically. Samples past its end are counted, not kept.
    long[] samples = new long[1 << 23];
    AtomicInteger completed = new AtomicInteger();
    Semaphore permits = new Semaphore(inflight);
    AtomicReference<Throwable> failed = new AtomicReference<>(); // the first failed append
    try (Log log = Log.open(dir, LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build())) {
      GroupCommit.Phase phase = new GroupCommit.Phase();
      long warmupEnd = System.nanoTime() + (long) (warmup * 1e9);
      long start = 0;
      long end = 0;
      LogMetrics before = null;
      while (true) {
        long now = System.nanoTime();
        if (phase.state == GroupCommit.Phase.WARMUP && now >= warmupEnd) {
          permits.acquire(inflight); // drain, so measurement starts from an idle pipeline
          permits.release(inflight);
          before = log.metrics();
          start = System.nanoTime();
          end = start + (long) (seconds * 1e9);
          phase.state = GroupCommit.Phase.MEASURING;
        } else if (phase.state == GroupCommit.Phase.MEASURING && now >= end) {
          break;
        }
        permits.acquire();
        long t0 = System.nanoTime();
        boolean measured = phase.state == GroupCommit.Phase.MEASURING;
        log.appendAsync(payload)
            .whenComplete(
                (index, failure) -> {
                  if (failure != null) {
                    failed.compareAndSet(null, failure);
                  } else if (measured) {
                    int i = completed.getAndIncrement();
                    if (i < samples.length) {
                      samples[i] = System.nanoTime() - t0;
                    }
                  }
                  permits.release();
                });
      }
      phase.state = GroupCommit.Phase.DONE;
      // Count completions inside the window only: those of the window's last appends land after.
      int n = Math.min(completed.get(), samples.length);
      long elapsed = System.nanoTime() - start;
      LogMetrics after = log.metrics();
      permits.acquire(inflight); // let the tail finish before closing
      if (failed.get() != null) {
        throw new IllegalStateException("an append of the run failed", failed.get());
      }
      long[] sorted = Arrays.copyOf(samples, n);
      Arrays.sort(sorted);
      double fsyncs = after.fsyncs() - before.fsyncs();
      double synced = after.recordsSynced() - before.recordsSynced();
      return new Point(
          n / (elapsed / 1e9),
          fsyncs == 0 ? 0 : synced / fsyncs,
          fsyncs == 0 ? 0 : (after.fsyncNanosTotal() - before.fsyncNanosTotal()) / fsyncs,
          Scenarios.percentile(sorted, n, 0.50),
          Scenarios.percentile(sorted, n, 0.99));
    } finally {
      Scenarios.deleteRecursively(dir);
    }
  }
}
