package io.seglog.testing;

import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A measurement, not a test: builds (if absent) a log of {@code args[1]} one-record segments in
 * {@code args[0]}, then opens it with {@code maxOpenSegmentFiles} {@code args[2]} and {@code
 * indexCacheBytes} {@code args[3]}, and prints the open time, the most files open at once, the heap
 * used after a GC, and the same after 10,000 random reads. Run with the test classpath:
 *
 * <pre>
 * java -cp seglog-core/target/classes:seglog-core/target/test-classes \
 *     io.seglog.testing.BigLogOpenMain /tmp/biglog 100000 64 65536
 * </pre>
 */
public final class BigLogOpenMain {
  private BigLogOpenMain() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int segments = Integer.parseInt(args[1]);
    int fileCap = Integer.parseInt(args[2]);
    long indexCap = Long.parseLong(args[3]);
    LogConfig.Builder config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentMaxRecords(1);
    if (!Files.exists(dir)) {
      long start = System.nanoTime();
      OpenFilesCountingFileIO noFsync = new OpenFilesCountingFileIO(NioFileIO.INSTANCE, true);
      try (SegmentedLog log = SegmentedLog.open(dir, config.build(), noFsync)) {
        for (long i = 1; i <= segments; i++) {
          log.append(("record " + i).getBytes());
        }
      }
      System.out.printf("built %d segments in %.1f s%n", segments, seconds(start));
    }
    OpenFilesCountingFileIO io = new OpenFilesCountingFileIO(NioFileIO.INSTANCE, false);
    long heapBefore = usedHeapAfterGc();
    long start = System.nanoTime();
    try (SegmentedLog log =
        SegmentedLog.open(
            dir, config.maxOpenSegmentFiles(fileCap).indexCacheBytes(indexCap).build(), io)) {
      double openSeconds = seconds(start);
      System.out.printf(
          "opened %d segments in %.2f s: files opened %d, most open at once %d (segments %d),"
              + " open now %d, process fds %d, index cache %d bytes, heap +%d KiB%n",
          log.stats().segmentCount(),
          openSeconds,
          io.opens(),
          io.maxOpen(),
          io.maxOpenSegments(),
          io.open(),
          processFds(),
          log.indexCacheBytesHeld(),
          (usedHeapAfterGc() - heapBefore) >> 10);
      SplittableRandom random = new SplittableRandom(1);
      long readStart = System.nanoTime();
      for (int n = 0; n < 10_000; n++) {
        long i = 1 + random.nextLong(log.lastIndex());
        log.read(i);
      }
      System.out.printf(
          "10000 random reads in %.2f s: most open at once %d (segments %d), open now %d,"
              + " index cache %d bytes in %d segments, heap +%d KiB%n",
          seconds(readStart),
          io.maxOpen(),
          io.maxOpenSegments(),
          io.open(),
          log.indexCacheBytesHeld(),
          log.indexCacheSegmentsHeld(),
          (usedHeapAfterGc() - heapBefore) >> 10);
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long processFds() throws IOException {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.exists(fds)) {
      return -1;
    }
    try (Stream<Path> s = Files.list(fds)) {
      return s.count();
    }
  }
}
