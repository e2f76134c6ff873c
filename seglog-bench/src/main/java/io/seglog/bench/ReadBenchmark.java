package io.seglog.bench;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.RecordView;
import io.seglog.SyncPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reads of a log held in the page cache: random {@code read(index)} and sequential reader passes,
 * copying ({@code next()}) and zero-copy ({@code nextView()}).
 *
 * <p>Run: {@code java -jar seglog-bench/target/seglog-benchmarks.jar ReadBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReadBenchmark {
  static final int RECORDS = 1_000_000;

  @Param({"100"})
  int recordBytes;

  /** {@link LogConfig#mappedReads()} of the log read. */
  @Param({"false", "true"})
  boolean mapped;

  private Path dir;
  private Log log;
  private final SplittableRandom random = new SplittableRandom(7);

  @Setup(Level.Trial)
  public void fill() throws IOException {
    dir = Files.createTempDirectory("seglog-bench");
    try (Log writer = Log.open(dir, LogConfig.builder().syncPolicy(SyncPolicy.NONE).build())) {
      byte[] payload = new byte[recordBytes];
      for (int i = 0; i < RECORDS; i++) {
        writer.append(payload);
      }
    }
    log = Log.open(dir, LogConfig.builder().mappedReads(mapped).build());
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    log.close();
    AppendBenchmark.deleteRecursively(dir);
  }

  @Benchmark
  public Record randomRead() {
    return log.read(1 + random.nextInt(RECORDS));
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public long sequentialRead() {
    long bytes = 0;
    try (LogReader reader = log.reader(1, RECORDS + 1)) {
      while (reader.hasNext()) {
        bytes += reader.next().size();
      }
    }
    return bytes;
  }

  /** The zero-copy pass: {@link LogReader#nextView()}, no allocation per record. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public long sequentialReadView() {
    long sum = 0;
    try (LogReader reader = log.reader(1, RECORDS + 1)) {
      while (reader.hasNext()) {
        RecordView v = reader.nextView();
        ByteBuffer p = v.payload();
        sum += p.remaining() + p.get(p.position());
      }
    }
    return sum;
  }
}
