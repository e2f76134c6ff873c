package io.seglog.bench.peer;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * One workload of the peer comparison: what is appended or read, and how durably. Immutable.
 *
 * <p>Only the operations are timed: opening, filling a log for the read workloads and closing are
 * not. A run stops at its record count or at the time limit, whichever comes first, and the rate is
 * computed from what it did. To add a workload, add a constant to {@link #ALL}.
 */
final class Workload {
  enum Kind {
    APPEND,
    READ_SEQUENTIAL,
    READ_RANDOM
  }

  /** Every workload, in the order the runner measures and prints them. */
  static final List<Workload> ALL =
      List.of(
          append("append-100B-nosync", 100, 0, Durability.EXPLICIT_SYNC),
          append("append-1KiB-nosync", 1024, 0, Durability.EXPLICIT_SYNC),
          append("append-100B-sync1000", 100, 1000, Durability.EXPLICIT_SYNC),
          append("append-1KiB-sync1000", 1024, 1000, Durability.EXPLICIT_SYNC),
          append("append-100B-durable", 100, 0, Durability.EACH_RECORD),
          append("append-4KiB-durable", 4096, 0, Durability.EACH_RECORD),
          new Workload("read-seq-100B", Kind.READ_SEQUENTIAL, 100, 0, Durability.EXPLICIT_SYNC),
          new Workload("read-random-100B", Kind.READ_RANDOM, 100, 0, Durability.EXPLICIT_SYNC));

  final String name;
  final Kind kind;
  final int recordBytes;

  /** Sync after every this many records; 0 for never (except per record under EACH_RECORD). */
  final int syncEvery;

  final Durability durability;

  private Workload(String name, Kind kind, int recordBytes, int syncEvery, Durability durability) {
    this.name = name;
    this.kind = kind;
    this.recordBytes = recordBytes;
    this.syncEvery = syncEvery;
    this.durability = durability;
  }

  private static Workload append(String name, int bytes, int syncEvery, Durability durability) {
    return new Workload(name, Kind.APPEND, bytes, syncEvery, durability);
  }

  static Workload named(String name) {
    for (Workload w : ALL) {
      if (w.name.equals(name)) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + names());
  }

  static String names() {
    StringBuilder sb = new StringBuilder();
    for (Workload w : ALL) {
      sb.append(sb.length() == 0 ? "" : ", ").append(w.name);
    }
    return sb.toString();
  }

  /** One line saying exactly what is timed. */
  String description(Limits limits) {
    switch (kind) {
      case APPEND:
        long n = durability == Durability.EACH_RECORD ? limits.durableRecords : limits.records;
        String sync =
            durability == Durability.EACH_RECORD
                ? "each append durable before it returns (one writer)"
                : syncEvery > 0 ? "sync after every " + syncEvery + " records" : "no sync";
        return n + " appends of " + recordBytes + " B, " + sync;
      case READ_SEQUENTIAL:
        return "read " + limits.records + " records of " + recordBytes + " B in order (cached)";
      case READ_RANDOM:
        return limits.randomReads
            + " reads by index, uniform over "
            + limits.records
            + " records of "
            + recordBytes
            + " B (cached)";
      default:
        throw new AssertionError(kind);
    }
  }

  /** Why this workload does not apply to the system, or null when it does. */
  String notApplicable(PeerSystem system) {
    if (durability == Durability.EACH_RECORD && system.batchSize() > 1) {
      return "per-record durability means batches of 1";
    }
    return null;
  }

  /** Runs the workload once on a fresh log in {@code dir}. Never throws: failures are results. */
  RunResult run(PeerSystem system, Path dir, Limits limits) {
    String na = notApplicable(system);
    if (na != null) {
      return RunResult.notApplicable(na);
    }
    byte[] payload = new byte[recordBytes];
    new Random(recordBytes).nextBytes(payload);
    try (PeerLog log = system.open(dir, durability, recordBytes)) {
      switch (kind) {
        case APPEND:
          return runAppend(log, system.batchSize(), payload, limits);
        case READ_SEQUENTIAL:
          {
            long filled = fill(log, system.batchSize(), payload, limits);
            long t0 = System.nanoTime();
            long digest = log.readSequential(filled);
            long nanos = System.nanoTime() - t0;
            Blackhole.consume(digest);
            return RunResult.measured(filled, filled * recordBytes, nanos, capNote(filled, limits));
          }
        case READ_RANDOM:
          {
            if (!log.supportsRandomRead()) {
              return RunResult.notApplicable("no read by index");
            }
            long filled = fill(log, system.batchSize(), payload, limits);
            return runRandomReads(log, filled, limits);
          }
        default:
          throw new AssertionError(kind);
      }
    } catch (Throwable t) {
      return RunResult.failed(t);
    }
  }

  private RunResult runAppend(PeerLog log, int batchSize, byte[] payload, Limits limits)
      throws Exception {
    boolean eachDurable = durability == Durability.EACH_RECORD;
    long target = eachDurable ? limits.durableRecords : limits.records;
    int batch = eachDurable ? 1 : batchSize;
    long t0 = System.nanoTime();
    long deadline = t0 + limits.maxNanos();
    long done = 0;
    int sinceSync = 0;
    long nextClockCheck = 1024;
    boolean timedOut = false;
    while (done < target) {
      int k = (int) Math.min(batch, target - done);
      if (syncEvery > 0) {
        k = Math.min(k, syncEvery - sinceSync); // keep sync points exactly every syncEvery records
      }
      if (k == 1) {
        log.append(payload);
      } else {
        log.appendBatch(payload, k);
      }
      done += k;
      sinceSync += k;
      if (syncEvery > 0 && sinceSync == syncEvery) {
        log.sync();
        sinceSync = 0;
      }
      if (eachDurable || done >= nextClockCheck) {
        nextClockCheck = done + 1024;
        if (System.nanoTime() > deadline) {
          timedOut = done < target;
          break;
        }
      }
    }
    if (sinceSync > 0) {
      log.sync();
    }
    long nanos = System.nanoTime() - t0;
    String note = timedOut ? "stopped at time limit after " + done + " records" : null;
    return RunResult.measured(done, done * payload.length, nanos, note);
  }

  /** Appends the read workloads' data (untimed) and syncs it; returns how many were appended. */
  private static long fill(PeerLog log, int batchSize, byte[] payload, Limits limits)
      throws Exception {
    long deadline = System.nanoTime() + limits.maxNanos();
    long done = 0;
    while (done < limits.records) {
      int k = (int) Math.min(batchSize, limits.records - done);
      if (k == 1) {
        log.append(payload);
      } else {
        log.appendBatch(payload, k);
      }
      done += k;
      if (done % 1024 < k && System.nanoTime() > deadline) {
        break;
      }
    }
    log.sync();
    return done;
  }

  private RunResult runRandomReads(PeerLog log, long filled, Limits limits) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    long digest = 0;
    long t0 = System.nanoTime();
    long deadline = t0 + limits.maxNanos();
    long done = 0;
    while (done < limits.randomReads) {
      digest += log.readAt(random.nextLong(filled));
      done++;
      if ((done & 1023) == 0 && System.nanoTime() > deadline) {
        break;
      }
    }
    long nanos = System.nanoTime() - t0;
    Blackhole.consume(digest);
    String note = done < limits.randomReads ? "stopped at time limit after " + done + " reads" : "";
    String fillNote = capNote(filled, limits);
    if (fillNote != null) {
      note = (note.isEmpty() ? "" : note + "; ") + fillNote;
    }
    return RunResult.measured(done, done * recordBytes, nanos, note.isEmpty() ? null : note);
  }

  private static String capNote(long filled, Limits limits) {
    return filled < limits.records ? "log filled to " + filled + " records at time limit" : null;
  }

  /** Counts and time limit of a run, from the command line. Immutable. */
  static final class Limits {
    final long records;
    final long durableRecords;
    final long randomReads;
    final double maxSeconds;

    Limits(long records, long durableRecords, long randomReads, double maxSeconds) {
      this.records = records;
      this.durableRecords = durableRecords;
      this.randomReads = randomReads;
      this.maxSeconds = maxSeconds;
    }

    long maxNanos() {
      return (long) (maxSeconds * 1e9);
    }

    Limits scaled(double factor) {
      return new Limits(
          Math.max(1000, (long) (records * factor)),
          Math.max(10, (long) (durableRecords * factor)),
          Math.max(1000, (long) (randomReads * factor)),
          Math.max(1, maxSeconds * factor));
    }
  }

  /** Keeps read results alive so the JIT cannot drop the reads. */
  static final class Blackhole {
    static volatile long sink;

    static void consume(long value) {
      sink += value;
    }
  }
}
