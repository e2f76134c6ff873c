package io.seglog.reliability;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A seeded random sequence of log operations for the in-process fault tests: appends, batches,
 * syncs (under INTERVAL also waits for the background syncer) and rolls of small records over 4 KiB
 * segments, so that a few dozen operations cross several segment boundaries. It remembers
 * everything it handed to the log ({@link #sent}) and the highest index the log promised durable
 * ({@link #promised}): every append that returned under ALWAYS, what {@code sync()} returned and
 * what {@code durableIndex()} said after an append or a wait for the syncer. It stops at the first
 * exception and keeps it. Not thread-safe.
 */
final class Workload {
  final long seed;
  final SyncPolicy policy;
  final List<byte[]> sent = new ArrayList<>();
  long promised;
  RuntimeException failure;
  int operationsDone;

  /** A workload under ALWAYS or NONE, chosen by the seed. */
  Workload(long seed) {
    this(seed, new SplittableRandom(seed).nextBoolean() ? SyncPolicy.ALWAYS : SyncPolicy.NONE);
  }

  /** {@link LogConfig#writeBufferBytes()}: 0 for none. */
  final int writeBufferBytes;

  /** Whether the file system under the log crashed: a wait for the syncer gives up then. */
  BooleanSupplier crashed = () -> false;

  Workload(long seed, SyncPolicy policy) {
    this(seed, policy, 0);
  }

  /**
   * A workload with a write buffer of {@code writeBufferBytes}: under NONE or INTERVAL its single
   * appends are packed into shared frames.
   */
  Workload(long seed, SyncPolicy policy, int writeBufferBytes) {
    this.seed = seed;
    this.policy = policy;
    this.writeBufferBytes = writeBufferBytes;
  }

  static LogConfig config(SyncPolicy policy) {
    return config(policy, 0);
  }

  static LogConfig config(SyncPolicy policy, int writeBufferBytes) {
    return LogConfig.builder()
        .syncPolicy(policy)
        .segmentBytes(4096)
        .maxRecordBytes(1024)
        .writeBufferBytes(writeBufferBytes)
        .build();
  }

  LogConfig config() {
    return config(policy, writeBufferBytes);
  }

  /** Runs {@code operations} operations on {@code log}, which holds exactly {@link #sent}. */
  void run(Log log, int operations) {
    SplittableRandom rnd = new SplittableRandom(seed * 31 + 7);
    try {
      for (int op = 0; op < operations; op++) {
        int dice = rnd.nextInt(100);
        long next = sent.size() + 1;
        if (dice < 60) {
          byte[] p = Payloads.make("w" + seed, next, rnd, 300);
          sent.add(p);
          check(log.append(p), next);
          if (policy == SyncPolicy.ALWAYS) {
            promised = next;
          }
          promised = Math.max(promised, log.durableIndex());
        } else if (dice < 80) {
          List<Entry> batch = new ArrayList<>();
          int n = rnd.nextInt(2, 6);
          for (int i = 0; i < n; i++) {
            byte[] p = Payloads.make("w" + seed, next + i, rnd, 200);
            sent.add(p);
            batch.add(Entry.of(p));
          }
          check(log.appendBatch(batch), next);
          if (policy == SyncPolicy.ALWAYS) {
            promised = next + n - 1;
          }
        } else if (dice < 87 && policy.kind() == SyncPolicy.Kind.INTERVAL) {
          // the interval syncer, not this thread, seals an open frame and fsyncs it
          awaitBackgroundSync(log, next - 1, crashed);
          promised = Math.max(promised, log.durableIndex());
        } else if (dice < 93) {
          promised = Math.max(promised, log.sync());
        } else {
          log.roll();
        }
        operationsDone++;
      }
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  /**
   * Waits, at most 2 seconds, for an INTERVAL log's background syncer to make {@code index} durable
   * by itself (sealing an open frame of packed appends on the way): without a call that syncs, so
   * that a power loss then tests what the syncer promised. Returns whether it did; gives up early
   * when {@code dead} says the file system crashed. Not a check of speed: a slow machine only tests
   * less.
   */
  static boolean awaitBackgroundSync(Log log, long index, BooleanSupplier dead) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (log.durableIndex() < index) {
      if (dead.getAsBoolean() || System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return true;
  }

  private static void check(long index, long expected) {
    if (index != expected) {
      throw new AssertionError("appended at " + index + ", expected " + expected);
    }
  }
}
