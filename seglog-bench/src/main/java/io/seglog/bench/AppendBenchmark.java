package io.seglog.bench;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-writer append throughput. {@code policy=NONE} measures the write path (page cache); {@code
 * policy=ALWAYS} measures one fsync per append on the disk under {@code java.io.tmpdir}.
 *
 * <p>Run: {@code java -jar seglog-bench/target/seglog-benchmarks.jar AppendBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AppendBenchmark {
  @Param({"100", "1024"})
  int recordBytes;

  @Param({"NONE", "ALWAYS"})
  String policy;

  private Path dir;
  private Log log;
  private byte[] payload;

  @Setup(Level.Iteration)
  public void open() throws IOException {
    dir = Files.createTempDirectory("seglog-bench");
    SyncPolicy sync = policy.equals("ALWAYS") ? SyncPolicy.ALWAYS : SyncPolicy.NONE;
    log = Log.open(dir, LogConfig.builder().syncPolicy(sync).build());
    payload = new byte[recordBytes];
    new Random(1).nextBytes(payload);
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException {
    log.close();
    deleteRecursively(dir);
  }

  @Benchmark
  public long append() {
    return log.append(payload);
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
