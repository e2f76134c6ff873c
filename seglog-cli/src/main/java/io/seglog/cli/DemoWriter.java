package io.seglog.cli;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * Writes the demo workload the way applications do, and remembers a digest per record (4 bytes of
 * heap per record, never the payloads) so {@link DemoCommand} can check every record read back. Not
 * thread-safe.
 *
 * <p>Three phases, each with its own open and clean close, so the run also crosses two reopens:
 *
 * <ol>
 *   <li>{@link SyncPolicy#NONE}: single appends and {@code appendBatch} of 2..64 records, with an
 *       explicit {@code sync()} every {@value #SYNC_EVERY} records;
 *   <li>{@link SyncPolicy#ALWAYS}: single appends, each fsynced before it returns (0.5% of the
 *       records, at most {@value #MAX_ALWAYS});
 *   <li>{@link SyncPolicy#NONE} again, like the first phase.
 * </ol>
 *
 * Every returned index is checked against the next expected one, and every sync against the durable
 * index it must reach: the demo is also an end-to-end test of the engine's contract.
 */
final class DemoWriter {
  static final int SYNC_EVERY = 1000;
  static final int MAX_ALWAYS = 500;
  static final int MAX_BATCH = 64;

  /**
   * Share of operations that are single appends. Batches average 33 records, so this writes about
   * half of the records one by one and half in batches.
   */
  static final int SINGLE_PERCENT = 97;

  private final Path dir;
  private final LogConfig config;
  private final DemoWorkload workload;
  private final Random operations;
  private final CRC32C payloadCrc = new CRC32C();

  private int[] digests = new int[0];
  private long existingFirst;
  private long existingLast;
  private long firstIndex;
  private long nextIndex;
  private long sinceSync;

  private long singles;
  private long batches;
  private long batchedRecords;
  private long alwaysAppends;
  private long syncs;
  private long bytes;
  private long generateNanos;

  DemoWriter(Path dir, LogConfig config, long seed) {
    this.dir = dir;
    this.config = config;
    this.workload = new DemoWorkload(seed);
    // Which operation writes an event must not change the events: a separate stream.
    this.operations = new Random(seed * 0x9E3779B97F4A7C15L + 1);
  }

  /**
   * Appends {@code records} events after whatever the log already holds.
   *
   * @throws CliFailure if the engine breaks its contract (an unexpected index, a sync or an ALWAYS
   *     append that leaves the record not durable)
   */
  void write(int records) {
    digests = new int[records];
    int always = Math.min(records / 200, MAX_ALWAYS);
    int first = (records - always) / 2;
    int third = records - always - first;
    try (Log log =
        LogDirs.openForWrite(dir, config.toBuilder().syncPolicy(SyncPolicy.NONE).build())) {
      existingFirst = log.firstIndex();
      existingLast = log.lastIndex();
      firstIndex = existingLast + 1;
      nextIndex = firstIndex;
      mixed(log, first);
    }
    if (always > 0) {
      try (Log log =
          LogDirs.openForWrite(dir, config.toBuilder().syncPolicy(SyncPolicy.ALWAYS).build())) {
        for (int i = 0; i < always; i++) {
          long index = appendOne(log);
          requireDurable(log, index, "an append under ALWAYS returned");
          alwaysAppends++;
        }
      }
    }
    try (Log log =
        LogDirs.openForWrite(dir, config.toBuilder().syncPolicy(SyncPolicy.NONE).build())) {
      mixed(log, third);
    }
  }

  private void mixed(Log log, int records) {
    int left = records;
    while (left > 0) {
      if (left == 1 || operations.nextInt(100) < SINGLE_PERCENT) {
        appendOne(log);
        singles++;
        left--;
      } else {
        int n = Math.min(left, 2 + operations.nextInt(MAX_BATCH - 1));
        appendBatch(log, n);
        left -= n;
      }
      if (sinceSync >= SYNC_EVERY) {
        sync(log);
      }
    }
    sync(log);
  }

  private long appendOne(Log log) {
    DemoWorkload.Event event = nextEvent();
    long index = log.append(event.entry());
    expectIndex(index, 1);
    remember(index, event);
    return index;
  }

  private void appendBatch(Log log, int n) {
    List<Entry> entries = new ArrayList<>(n);
    List<DemoWorkload.Event> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      DemoWorkload.Event event = nextEvent();
      events.add(event);
      entries.add(event.entry());
    }
    long index = log.appendBatch(entries);
    expectIndex(index, n);
    for (int i = 0; i < n; i++) {
      remember(index + i, events.get(i));
    }
    batches++;
    batchedRecords += n;
  }

  /** The next event; the time spent making it is kept apart from the time spent in the log. */
  private DemoWorkload.Event nextEvent() {
    long t = System.nanoTime();
    DemoWorkload.Event event = workload.next();
    generateNanos += System.nanoTime() - t;
    return event;
  }

  private void sync(Log log) {
    log.sync();
    syncs++;
    sinceSync = 0;
    requireDurable(log, nextIndex - 1, "sync() returned");
  }

  private void expectIndex(long index, int count) {
    if (index != nextIndex) {
      throw new CliFailure(
          "append of " + count + " record(s) returned index " + index + ", expected " + nextIndex);
    }
    nextIndex += count;
    sinceSync += count;
  }

  private void requireDurable(Log log, long index, String what) {
    long durable = log.durableIndex();
    if (durable < index) {
      throw new CliFailure(
          what + " but durableIndex is " + durable + ", below the record's index " + index);
    }
  }

  private void remember(long index, DemoWorkload.Event event) {
    digests[(int) (index - firstIndex)] = event.digest();
    payloadCrc.update(event.payload());
    bytes += event.payload().length;
  }

  /** The digest of the record written at {@code index}; see {@link DemoWorkload#digest}. */
  int digestAt(long index) {
    return digests[(int) (index - firstIndex)];
  }

  /** First index this run wrote. */
  long firstIndex() {
    return firstIndex;
  }

  /** Last index this run wrote. */
  long lastIndex() {
    return nextIndex - 1;
  }

  /** The log's first index before this run. */
  long existingFirst() {
    return existingFirst;
  }

  /** The log's last index before this run ({@code existingFirst() - 1} if it was empty). */
  long existingLast() {
    return existingLast;
  }

  /** CRC32C of every payload written, concatenated in index order. */
  long payloadCrc() {
    return payloadCrc.getValue();
  }

  /** Time spent generating events, not in the log: the demo subtracts it from the append time. */
  long generateNanos() {
    return generateNanos;
  }

  long bytes() {
    return bytes;
  }

  long singles() {
    return singles;
  }

  long batches() {
    return batches;
  }

  long batchedRecords() {
    return batchedRecords;
  }

  long alwaysAppends() {
    return alwaysAppends;
  }

  long syncs() {
    return syncs;
  }
}
