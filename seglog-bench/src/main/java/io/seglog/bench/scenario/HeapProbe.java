package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Paths;
import java.util.SplittableRandom;

/**
 * Child JVM of {@link HeapAndFiles}: opens an existing log with the default configuration and
 * prints heap used after {@code System.gc()} (approximate: {@code MemoryMXBean}, after a full
 * collection) and open file descriptors ({@code /proc/self/fd}) at four points: before open, after
 * open, after {@code randomReads} reads of random indices, and after a full sequential read.
 *
 * <p>Usage: {@code HeapProbe <dir> <randomReads> [indexCacheBytes|default]}
 */
public final class HeapProbe {
  private HeapProbe() {}

  public static void main(String[] args) throws Exception {
    int randomReads = Integer.parseInt(args[1]);
    String cache = args.length > 2 ? args[2] : "default";
    StringBuilder out = new StringBuilder();
    sample(out, "before");
    try (Log log = Log.open(Paths.get(args[0]), HeapAndFiles.config(cache))) {
      sample(out, "open");
      long first = log.firstIndex();
      long last = log.lastIndex();
      SplittableRandom random = new SplittableRandom(42);
      long sum = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < randomReads; i++) {
        sum += log.read(random.nextLong(first, last + 1)).size();
      }
      long t1 = System.nanoTime();
      sample(out, "random");
      long n = 0;
      try (LogReader reader = log.reader(first, last + 1)) {
        while (reader.hasNext()) {
          sum += reader.next().size();
          n++;
        }
      }
      long t2 = System.nanoTime();
      sample(out, "sequential");
      out.append(String.format(" records=%d segments=%d", n, log.stats().segmentCount()));
      out.append(String.format(" random_reads_per_s=%.0f", randomReads / ((t1 - t0) / 1e9)));
      out.append(String.format(" seq_reads_per_s=%.0f checksum=%d", n / ((t2 - t1) / 1e9), sum));
    }
    System.out.println(out.toString().trim());
  }

  private static void sample(StringBuilder out, String label) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    out.append(' ')
        .append(label)
        .append("_heap=")
        .append(heap)
        .append(' ')
        .append(label)
        .append("_fds=")
        .append(Scenarios.openFileDescriptors());
  }
}
