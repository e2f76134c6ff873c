package io.seglog.bench;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the clock read of each appended record costs: {@code LogConfig.clock()} defaults to {@link
 * Clock#systemUTC()}, whose {@code millis()} is {@link System#currentTimeMillis()} (a {@code
 * clock_gettime} through the vDSO on Linux). {@code nanoTime} for comparison.
 *
 * <p>Run: {@code java -jar seglog-bench/target/seglog-benchmarks.jar ClockBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClockBenchmark {
  private final Clock clock = Clock.systemUTC();

  @Benchmark
  public long systemUtcMillis() {
    return clock.millis();
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
