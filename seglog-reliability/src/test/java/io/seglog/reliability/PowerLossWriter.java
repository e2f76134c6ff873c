package io.seglog.reliability;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.Futures;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The child JVM of {@link RealFsPowerLossIT}: appends to the log in {@code args[0]} until its file
 * system is shut down under it, and prints on stdout, flushed at once, every promise it gets from
 * the log: {@code A <index>} when an append returned under ALWAYS (every index up to it is
 * durable), {@code D <index>} when {@code durableIndex()} or {@code sync()} says every index up to
 * it is durable. The test keeps these lines outside the file system being cut.
 *
 * <p>Arguments: {@code dir mode origin seed maxRecords fsync}. {@code mode}: ALWAYS (appends and
 * batches), ASYNC (ALWAYS with a pipeline of 32 {@code appendAsync} futures: group commit),
 * INTERVAL (background fsync every 10 ms), NONE ({@code sync()} after every 1..50 appends). The
 * record at index {@code i} is {@link #payload}{@code (origin, seed, i)}, so the test knows what
 * was sent without reading it back from the child. {@code fsync} is {@code real}, or {@code skip}
 * for the negative control ({@link NoFsyncFileIO}: force() does nothing). After {@code maxRecords}
 * records it prints {@code DONE} and waits to be killed. On an error it prints {@code ERR
 * <exception>} and halts without closing.
 */
public final class PowerLossWriter {
  private PowerLossWriter() {}

  static final long SEGMENT_BYTES = 128 * 1024;

  static LogConfig config(String mode) {
    SyncPolicy policy =
        switch (mode) {
          case "ALWAYS", "ASYNC" -> SyncPolicy.ALWAYS;
          case "INTERVAL" -> SyncPolicy.interval(Duration.ofMillis(10));
          case "NONE" -> SyncPolicy.NONE;
          default -> throw new IllegalArgumentException("mode " + mode);
        };
    return LogConfig.builder().syncPolicy(policy).segmentBytes(SEGMENT_BYTES).build();
  }

  /** The payload of index {@code index} written by writer {@code origin}. */
  static byte[] payload(String origin, long seed, long index) {
    return Payloads.make(origin, index, new SplittableRandom(seed * 1_000_003L + index), 200);
  }

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    String mode = args[1];
    String origin = args[2];
    long seed = Long.parseLong(args[3]);
    long maxRecords = Long.parseLong(args[4]);
    boolean fsync = args[5].equals("real");
    PrintStream out = System.out;
    FileIO io = fsync ? NioFileIO.INSTANCE : new NoFsyncFileIO(NioFileIO.INSTANCE, true, false);
    SplittableRandom rnd = new SplittableRandom(seed);
    try {
      Log log = SegmentedLog.open(dir, config(mode), io);
      long first = log.lastIndex() + 1;
      long end = first + maxRecords; // exclusive
      out.println("OPEN " + log.lastIndex());
      out.flush();
      long next = first;
      long promised = log.durableIndex();
      int untilSync = rnd.nextInt(1, 51);
      ArrayDeque<CompletableFuture<Long>> pipeline = new ArrayDeque<>();
      while (next < end) {
        if (mode.equals("ASYNC")) {
          pipeline.add(log.appendAsync(payload(origin, seed, next++)));
          if (pipeline.size() >= 32 || next == end) {
            while (!pipeline.isEmpty()) {
              promise(out, "A", Futures.await(pipeline.poll())); // bounded, unlike join
            }
          }
          continue;
        }
        int n = (int) Math.min(end - next, rnd.nextInt(4) == 0 ? rnd.nextInt(2, 9) : 1);
        long firstOfFrame;
        if (n == 1) {
          firstOfFrame = log.append(payload(origin, seed, next));
        } else {
          List<Entry> batch = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            batch.add(Entry.of(payload(origin, seed, next + i)));
          }
          firstOfFrame = log.appendBatch(batch);
        }
        if (firstOfFrame != next) {
          throw new IllegalStateException("appended at " + firstOfFrame + ", expected " + next);
        }
        next += n;
        switch (mode) {
          case "ALWAYS" -> promise(out, "A", next - 1);
          case "INTERVAL" -> {
            long d = log.durableIndex();
            if (d > promised) {
              promised = d;
              promise(out, "D", d);
            }
          }
          default -> {
            if (--untilSync == 0 || next == end) {
              untilSync = rnd.nextInt(1, 51);
              promise(out, "D", log.sync());
            }
          }
        }
      }
      if (mode.equals("INTERVAL")) {
        promise(out, "D", log.sync());
      }
      out.println("DONE");
      out.flush();
      System.in.read(); // wait to be killed; never close
      Runtime.getRuntime().halt(0);
    } catch (Throwable t) {
      out.println("ERR " + t.toString().replace('\n', ' '));
      out.flush();
      Runtime.getRuntime().halt(3);
    }
  }

  private static void promise(PrintStream out, String kind, long index) {
    out.println(kind + " " + index);
    out.flush();
  }
}
