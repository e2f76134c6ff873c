package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogMetrics;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.SyncPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog bench}: the standard append workload, then a sequential read, against a new log in
 * a directory of the user's choice; prints throughput and latency percentiles.
 *
 * <p>Threads: T appender threads, each appending its share of the records with the blocking {@code
 * append} (so under {@code --sync always} each waits for its own durable ack, and concurrent
 * appenders share fsyncs: group commit); each records its latencies in its own {@link Histogram},
 * merged at the end. A {@link ProgressBar} thread only reads an atomic counter.
 */
@Command(
    name = "bench",
    header = "Measure append and sequential-read throughput and latency on this disk.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Create a new log in DIR (absent or empty), append N records of B random bytes from T"
          + " threads, each waiting for its own append to return (under --sync always: to be"
          + " fsynced; concurrent appenders share fsyncs, a group commit), close and reopen it,"
          + " then read every record back in order. Prints a summary table: records/s, MB/s and"
          + " latency percentiles (p50, p90, p99, p99.9, max, from an HdrHistogram) per phase,"
          + " and under --sync always the fsyncs and records per fsync. The log is left in DIR"
          + " for inspection.",
      "",
      "A progress bar goes to stderr once a phase runs longer than a second, when stderr is a"
          + " terminal or with --progress.",
      "",
      "Examples:",
      "  seglog bench /tmp/seglog-bench --records 200000 --size 100 --sync none",
      "  seglog bench /mnt/nvme/b --records 20000 --sync always --threads 16",
      "  seglog bench /mnt/nvme/c --records 200000 --sync always --threads 64 --sync-wait-spin 1000",
      ""
    })
final class BenchCommand implements Callable<Integer> {
  /** The --sync values. */
  enum Sync {
    ALWAYS,
    NONE
  }

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "A new or empty directory.")
  private Path dir;

  @Option(
      names = "--records",
      paramLabel = "N",
      defaultValue = "100000",
      description = "Records to append. Default: ${DEFAULT-VALUE}.")
  private long records;

  @Option(
      names = "--size",
      paramLabel = "B",
      defaultValue = "100",
      description = "Payload bytes per record. Default: ${DEFAULT-VALUE}.")
  private int size;

  @Option(
      names = "--sync",
      paramLabel = "POLICY",
      defaultValue = "none",
      description = "always or none. Default: ${DEFAULT-VALUE}.")
  private Sync sync;

  @Option(
      names = "--threads",
      paramLabel = "T",
      defaultValue = "1",
      description = "Appender threads. Default: ${DEFAULT-VALUE}.")
  private int threads;

  @Option(
      names = "--sync-wait-spin",
      paramLabel = "MICROS",
      defaultValue = "0",
      description =
          "Under --sync always: how long an appender waiting for another thread's fsync yields"
              + " the CPU before it parks (LogConfig.syncWaitSpin), 0..1000000 microseconds."
              + " Default: ${DEFAULT-VALUE} (park at once).")
  private long syncWaitSpinMicros;

  @Option(
      names = "--segment-bytes",
      paramLabel = "N",
      defaultValue = "67108864",
      description = "Segment size. Default: ${DEFAULT-VALUE} (64 MiB).")
  private long segmentBytes;

  @Option(
      names = "--progress",
      description = "Show the progress bar even when stderr is not a terminal.")
  private boolean progress;

  /** What one phase measured. */
  record Phase(String name, long records, long bytes, long nanos, Histogram latencies) {}

  @Override
  public Integer call() throws InterruptedException {
    LogConfig config = config();
    requireNewLogDirectory();
    ProgressBar.Output progressOut =
        progress || ProgressBar.interactive() ? ProgressBar.to(root.stderr()) : null;
    Phase append;
    LogMetrics metrics;
    try (Log log = LogDirs.openForWrite(dir, config)) {
      append = append(log, progressOut);
      metrics = log.metrics();
    }
    Phase read;
    try (Log log = LogDirs.openReadOnly(dir)) {
      read = read(log, progressOut);
    }
    PrintWriter out = TextOut.over(root.stdout());
    out.print(summary(List.of(append, read), sync == Sync.ALWAYS ? metrics : null));
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }

  private LogConfig config() {
    if (records < 1) {
      throw new ParameterException(spec.commandLine(), "--records " + records + " is below 1");
    }
    if (threads < 1 || threads > 1024) {
      throw new ParameterException(
          spec.commandLine(), "--threads " + threads + " is outside 1..1024");
    }
    long maxSpinMicros = LogConfig.MAX_SYNC_WAIT_SPIN.toNanos() / 1000;
    if (syncWaitSpinMicros < 0 || syncWaitSpinMicros > maxSpinMicros) {
      throw new ParameterException(
          spec.commandLine(),
          "--sync-wait-spin " + syncWaitSpinMicros + " is outside 0.." + maxSpinMicros);
    }
    if (segmentBytes < LogConfig.MIN_SEGMENT_BYTES || segmentBytes > LogConfig.MAX_SEGMENT_BYTES) {
      throw new ParameterException(
          spec.commandLine(),
          "--segment-bytes "
              + segmentBytes
              + " is outside "
              + LogConfig.MIN_SEGMENT_BYTES
              + ".."
              + LogConfig.MAX_SEGMENT_BYTES);
    }
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(sync == Sync.ALWAYS ? SyncPolicy.ALWAYS : SyncPolicy.NONE)
            .segmentBytes(segmentBytes)
            .syncWaitSpin(Duration.ofNanos(1000 * syncWaitSpinMicros))
            .build();
    // A frame holds one record here and never spans segments.
    long maxSize = Math.min(config.maxRecordBytes(), segmentBytes / 4);
    if (size < 0 || size > maxSize) {
      throw new ParameterException(
          spec.commandLine(), "--size " + size + " is outside 0.." + maxSize);
    }
    return config;
  }

  private void requireNewLogDirectory() {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new CliFailure(dir + " is not a directory");
    }
    try (Stream<Path> files = Files.list(dir)) {
      if (files.findAny().isPresent()) {
        throw new CliFailure(
            "bench writes a new log: " + dir + " is not empty (choose a new directory)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Phase append(Log log, ProgressBar.Output progressOut) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    List<Histogram> histograms = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      long share = records / threads + (t < records % threads ? 1 : 0);
      Histogram h = new Histogram(3);
      histograms.add(h);
      byte[] payload = new byte[size];
      new SplittableRandom(42 + t).nextBytes(payload);
      Thread worker =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (long i = 0; i < share && failure.get() == null; i++) {
                    long t0 = System.nanoTime();
                    log.append(payload);
                    h.recordValue(System.nanoTime() - t0);
                    done.incrementAndGet();
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                  failure.compareAndSet(null, e);
                }
              },
              "seglog-bench-append-" + t);
      workers.add(worker);
      worker.start();
    }
    long t0 = System.nanoTime();
    ProgressBar bar = ProgressBar.start("append", records, done::get, progressOut);
    try {
      start.countDown();
      for (Thread w : workers) {
        w.join();
      }
    } finally {
      bar.close();
    }
    long nanos = System.nanoTime() - t0;
    if (failure.get() != null) {
      throw failure.get();
    }
    Histogram all = new Histogram(3);
    histograms.forEach(all::add);
    return new Phase("append", records, records * size, nanos, all);
  }

  private Phase read(Log log, ProgressBar.Output progressOut) {
    AtomicLong done = new AtomicLong();
    Histogram h = new Histogram(3);
    long bytes = 0;
    long count = 0;
    long t0 = System.nanoTime();
    ProgressBar bar = ProgressBar.start("read", records, done::get, progressOut);
    try (bar;
        LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      while (reader.hasNext()) {
        long r0 = System.nanoTime();
        Record r = reader.next();
        h.recordValue(System.nanoTime() - r0);
        bytes += r.size();
        count++;
        done.lazySet(count);
      }
    }
    long nanos = System.nanoTime() - t0;
    if (count != records) {
      throw new CliFailure("read back " + count + " records, appended " + records);
    }
    return new Phase("sequential read", count, bytes, nanos, h);
  }

  private String summary(List<Phase> phases, LogMetrics metrics) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "log %s: %d records of %d bytes, %d thread(s), sync %s%s%n%n",
            dir,
            records,
            size,
            threads,
            sync.name().toLowerCase(Locale.ROOT),
            syncWaitSpinMicros == 0 ? "" : ", sync wait spin " + syncWaitSpinMicros + " us"));
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "phase", "records", "seconds", "records/s", "MB/s", "p50", "p90", "p99", "p99.9", "max"
        });
    for (Phase p : phases) {
      Histogram h = p.latencies();
      rows.add(
          new String[] {
            p.name(),
            Long.toString(p.records()),
            String.format(Locale.ROOT, "%.3f", p.nanos() / 1e9),
            Units.perSecond(p.records(), p.nanos()),
            Units.megabytesPerSecond(p.bytes(), p.nanos()).replace(" MB/s", ""),
            latency(h.getValueAtPercentile(50)),
            latency(h.getValueAtPercentile(90)),
            latency(h.getValueAtPercentile(99)),
            latency(h.getValueAtPercentile(99.9)),
            latency(h.getMaxValue())
          });
    }
    sb.append(
        Table.render(
            rows, new boolean[] {false, true, true, true, true, true, true, true, true, true}));
    sb.append("latency: per append call (its durable ack under sync always), per record read\n");
    if (metrics != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "fsyncs: %d, records per fsync: %.2f, mean fsync: %s%n",
              metrics.fsyncs(),
              metrics.recordsPerFsync(),
              latency((long) metrics.meanFsyncNanos())));
    }
    return sb.toString();
  }

  /** Nanoseconds in the unit that keeps 3 significant digits readable: ns, µs, ms or s. */
  static String latency(long nanos) {
    if (nanos < 1_000) {
      return nanos + " ns";
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }
}
