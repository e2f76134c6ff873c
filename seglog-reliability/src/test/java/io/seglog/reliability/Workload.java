package io.seglog.reliability;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded random sequence of log operations for the in-process fault tests: appends, batches,
 * syncs and rolls of small records over 4 KiB segments, so that a few dozen operations cross
 * several segment boundaries. It remembers everything it handed to the log ({@link #sent}) and the
 * highest index the log promised durable ({@link #promised}): every append that returned under
 * ALWAYS, and what {@code sync()} returned. It stops at the first exception and keeps it. Not
 * thread-safe.
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

  Workload(long seed, SyncPolicy policy) {
    this.seed = seed;
    this.policy = policy;
  }

  static LogConfig config(SyncPolicy policy) {
    return LogConfig.builder().syncPolicy(policy).segmentBytes(4096).maxRecordBytes(1024).build();
  }

  LogConfig config() {
    return config(policy);
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

  private static void check(long index, long expected) {
    if (index != expected) {
      throw new AssertionError("appended at " + index + ", expected " + expected);
    }
  }
}
