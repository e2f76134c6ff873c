package io.seglog.internal.checkpoint;

import io.seglog.CheckpointInfo;
import io.seglog.CorruptLogException;
import io.seglog.DurabilityListener;
import io.seglog.Entry;
import io.seglog.LogConfig;
import io.seglog.LogMetrics;
import io.seglog.LogReader;
import io.seglog.LogStats;
import io.seglog.Record;
import io.seglog.RecoveryReport;
import io.seglog.ReplayReport;
import io.seglog.SeglogIOException;
import io.seglog.SegmentInfo;
import io.seglog.StateMachine;
import io.seglog.StateMachineLog;
import io.seglog.Visibility;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A {@link SegmentedLog} with a state machine: replay at open, apply on write, a checkpoint at the
 * start of every new segment, checkpoints on demand, purging, and durability callbacks.
 *
 * <p>Design note. Everything that touches the state machine after open runs under the log's append
 * lock (through {@link SegmentedLog.Hooks} and {@link SegmentedLog#underAppendLock}), so a
 * checkpoint is always the state as of exactly the last record written before it. Checkpoint frames
 * are written with {@link SegmentedLog#writeUnindexedLocked}: they take no index and no frame-index
 * entry, so every record read skips them. Running under the append lock, none of those callbacks
 * may close the log: close waits for fsync leaders that need that lock, so {@link
 * SegmentedLog#close} refuses it there ({@link SegmentedLog#checkCloseAllowed}). For the same
 * reason a {@code sync()} from them fsyncs under the lock instead of joining group commit (see
 * SegmentedLog's class note). Neither the state machine's {@code apply} nor its checkpoint may
 * write to the log (an append, a roll, a checkpoint: {@link SegmentedLog#beginWritingAtEndLocked}):
 * a checkpoint's chunks follow each other from the offset its {@link CheckpointInfo} names; an
 * {@code apply} is replayed at the next open (a write from it would be made again), and a roll
 * inside it would checkpoint a state whose apply is half done. Retention removes whole sealed
 * segments; the log's retention floor ({@link #retentionFloor}) keeps the segment holding the
 * newest checkpoint whenever the active segment holds none (a version 1 active segment, a roll
 * whose checkpoint failed), so the state can always be rebuilt from what is left.
 */
public final class CheckpointedLog implements StateMachineLog {
  private final SegmentedLog log;
  private final LogConfig config;
  private final StateMachine stateMachine;
  private final List<CheckpointInfo> catalog = new ArrayList<>(); // @GuardedBy("catalog")
  private DurabilityNotifier notifier;
  private ReplayReport replayReport;

  private CheckpointedLog(SegmentedLog log, LogConfig config, StateMachine stateMachine) {
    this.log = log;
    this.config = config;
    this.stateMachine = stateMachine;
  }

  /** Opens with a random log id if the log is created. */
  public static CheckpointedLog open(
      Path directory,
      LogConfig config,
      FileIO io,
      StateMachine stateMachine,
      DurabilityListener listener) {
    return open(directory, config, io, stateMachine, listener, UUID.randomUUID());
  }

  /** Opens, creating a log with {@code newLogId} if absent (golden files fix the id). */
  public static CheckpointedLog open(
      Path directory,
      LogConfig config,
      FileIO io,
      StateMachine stateMachine,
      DurabilityListener listener,
      UUID newLogId) {
    Objects.requireNonNull(stateMachine, "stateMachine");
    if (config.encryption() != null) {
      // Checkpoint frames are written outside the frame coder (FORMAT.md 3.6 allows them no
      // flags): the state, built from the encrypted payloads, would land in plaintext.
      throw new UnsupportedOperationException(
          "log "
              + directory
              + ": a state machine log cannot be encrypted yet (its checkpoints would be stored"
              + " in plaintext); open it without LogConfig.encryption or without a state"
              + " machine");
    }
    SegmentedLog log = SegmentedLog.openForCheckpoints(directory, config, io, newLogId);
    CheckpointedLog c = new CheckpointedLog(log, config, stateMachine);
    try {
      c.replay();
      log.hooks(c.new Hooks());
      log.retentionFloor(c::retentionFloor);
      if (listener != null) {
        c.notifier =
            new DurabilityNotifier(
                listener, log.durableIndex(), c::newestAtMost, String.valueOf(directory));
        log.durabilityListener(c.notifier);
      }
      c.leadingCheckpointIfMissing();
      return c;
    } catch (IOException e) {
      closeQuietly(log, e);
      throw new SeglogIOException("replaying log " + log.directory() + " failed", e);
    } catch (RuntimeException e) {
      closeQuietly(log, e);
      throw e;
    }
  }

  private static void closeQuietly(SegmentedLog log, Exception failure) {
    try {
      log.close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** See {@link StateMachineLog#scanCheckpoints}. */
  public static List<CheckpointInfo> scan(io.seglog.Log log) {
    SegmentedLog s =
        log instanceof CheckpointedLog c ? c.log : (SegmentedLog) Objects.requireNonNull(log);
    List<CheckpointInfo> all = new ArrayList<>();
    for (Segment segment : s.segmentArray()) {
      try {
        for (SegmentCheckpoints.Found f :
            SegmentCheckpoints.walk(segment, s.maxBodyBytes(), false, true)) {
          if (f.damage() != null) {
            throw new CorruptLogException(f.segment(), f.offset(), f.damage().getMessage());
          }
          if (f.complete() && f.index() >= s.firstIndex() - 1 && f.index() <= s.lastIndex()) {
            all.add(info(f));
          }
        }
      } catch (IOException e) {
        throw new SeglogIOException("reading " + segment.path() + " failed", e);
      }
    }
    return all;
  }

  // ---- open: restore the newest usable checkpoint, replay what follows

  private void replay() throws IOException {
    Segment[] segments = log.segmentArray();
    int maxBody = log.maxBodyBytes();
    long first = log.firstIndex();
    long last = log.lastIndex();
    // The catalog: every segment's leading checkpoint (a peek), every checkpoint of the last one.
    List<SegmentCheckpoints.Found> lastWalk = List.of();
    for (int i = 0; i < segments.length; i++) {
      boolean isLast = i == segments.length - 1;
      List<SegmentCheckpoints.Found> found =
          SegmentCheckpoints.walk(segments[i], maxBody, !isLast, isLast);
      if (isLast) {
        lastWalk = found;
      }
      for (SegmentCheckpoints.Found f : found) {
        if (f.complete() && f.index() <= last) {
          catalog.add(info(f));
        }
      }
    }
    // Newest first: the first intact, complete checkpoint from which the records still in the log
    // rebuild the state up to the last record.
    List<ReplayReport.SkippedCheckpoint> skipped = new ArrayList<>();
    SegmentCheckpoints.Found chosen = null;
    Segment chosenSegment = null;
    search:
    for (int i = segments.length - 1; i >= 0; i--) {
      Segment s = segments[i];
      if (s.nextIndex() < first) {
        break; // every checkpoint here covers records no longer in the log
      }
      List<SegmentCheckpoints.Found> found =
          i == segments.length - 1 ? lastWalk : SegmentCheckpoints.walk(s, maxBody, false, true);
      for (int j = found.size() - 1; j >= 0; j--) {
        SegmentCheckpoints.Found f = found.get(j);
        if (f.damage() != null) {
          skipped.add(
              new ReplayReport.SkippedCheckpoint(
                  f.segment(),
                  f.offset(),
                  f.index(),
                  true,
                  f.damage().getMessage() + " at offset " + f.offset()));
        } else if (!f.complete()) {
          skipped.add(
              new ReplayReport.SkippedCheckpoint(
                  f.segment(),
                  f.offset(),
                  f.index(),
                  false,
                  "incomplete checkpoint (no last chunk) at offset " + f.offset()));
        } else if (f.index() > last) {
          skipped.add(
              new ReplayReport.SkippedCheckpoint(
                  f.segment(),
                  f.offset(),
                  f.index(),
                  false,
                  "covers records no longer in the log"));
        } else if (f.index() + 1 < first) {
          break search; // older ones cover even less of what is left
        } else {
          chosen = f;
          chosenSegment = s;
          break search;
        }
      }
    }
    long from;
    CheckpointInfo used = null;
    if (chosen != null) {
      used = info(chosen);
      try (CheckpointInput in =
          new CheckpointInput(chosenSegment, maxBody, chosen.offset(), chosen.index())) {
        stateMachine.restore(in);
      }
      from = chosen.index() + 1;
    } else if (first == config.initialIndex() || segments.length == 0) {
      from = first; // the whole log is here: replay it from an empty state
    } else {
      ReplayReport.SkippedCheckpoint damaged =
          skipped.stream().filter(ReplayReport.SkippedCheckpoint::damaged).findFirst().orElse(null);
      if (damaged != null) {
        throw new CorruptLogException(
            damaged.segment(),
            damaged.offset(),
            "damaged checkpoint ("
                + damaged.reason()
                + "), and no older intact checkpoint with the records after it can rebuild the"
                + " state");
      }
      throw new CorruptLogException(
          segments[0].path(),
          SegmentFormat.HEADER_BYTES,
          "no checkpoint covers index "
              + (first - 1)
              + ": the records before the log's first index "
              + first
              + " are gone, so the state cannot be rebuilt");
    }
    long replayed = 0;
    if (from <= last) {
      try (LogReader reader = log.reader(from, last + 1)) {
        while (reader.hasNext()) {
          stateMachine.apply(reader.next());
          replayed++;
        }
      }
    }
    replayReport = new ReplayReport(used, from, replayed, skipped);
    sortCatalog();
  }

  private static CheckpointInfo info(SegmentCheckpoints.Found f) {
    return new CheckpointInfo(f.index(), f.segment(), f.offset(), f.bytes());
  }

  private void sortCatalog() {
    synchronized (catalog) {
      catalog.sort(
          Comparator.comparingLong(CheckpointInfo::index)
              .thenComparing(CheckpointInfo::segment)
              .thenComparingLong(CheckpointInfo::offset));
    }
  }

  /**
   * A new log, or a segment created by recovery (its predecessor was sealed) or by a roll that
   * crashed before its checkpoint: the active segment begins with a checkpoint like every other.
   */
  private void leadingCheckpointIfMissing() {
    log.underAppendLock(
        () -> {
          Segment active = log.activeSegment();
          if (active.header().version() >= 2 && active.size() == SegmentFormat.HEADER_BYTES) {
            writeCheckpointLocked();
            log.forceActiveLocked("the checkpoint beginning " + active.path()); // as after a roll
          }
          return null;
        });
  }

  /** Under the append lock: a checkpoint of the state as of the last record, at the end. */
  private CheckpointInfo writeCheckpointLocked() {
    Segment active = log.activeSegment();
    long covered = log.lastIndex();
    long at = active.size();
    CheckpointOutput out = new CheckpointOutput(log, covered, log.syncedIndexLocked());
    long bytes;
    // Its chunks go from `at` on, one after the other: the state machine may not write meanwhile.
    log.beginWritingAtEndLocked(
        "a checkpoint",
        "a state machine's checkpoint, while its chunks are being written at the end of the log;"
            + " write after the checkpoint has returned");
    try {
      stateMachine.checkpoint(out);
      bytes = out.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "checkpoint of the state as of index " + covered + " failed; it was left incomplete", e);
    } finally {
      log.endWritingAtEndLocked();
    }
    CheckpointInfo info = new CheckpointInfo(covered, active.path(), at, bytes);
    synchronized (catalog) {
      catalog.add(info);
    }
    return info;
  }

  /**
   * Retention's floor (asked under the append lock at each pass): the segment holding the newest
   * checkpoint stays, unless that segment is the active one, which retention never removes. Without
   * any checkpoint (a version 1 active segment of a log written without a state machine, or a roll
   * whose checkpoint failed, then no older one left) no record goes: the state could no longer be
   * rebuilt at the next open.
   */
  private long retentionFloor() {
    CheckpointInfo newest = newestAtMost(Long.MAX_VALUE);
    if (newest == null) {
      return log.firstIndex();
    }
    return newest.segment().equals(log.activeSegment().path()) ? Long.MAX_VALUE : newest.index();
  }

  /** The newest known checkpoint covering at most {@code index}, or null. */
  private CheckpointInfo newestAtMost(long index) {
    synchronized (catalog) {
      CheckpointInfo best = null;
      for (CheckpointInfo c : catalog) {
        if (c.index() <= index) {
          best = c;
        }
      }
      return best;
    }
  }

  /** Why a write from the state machine's apply is refused (see the class note). */
  private static final String APPLYING =
      "a state machine's apply: apply must not write to the log (a replay applies each record"
          + " again, and a roll meanwhile would checkpoint a half-applied state); write after the"
          + " append that applied the record has returned";

  /** What the log does under its append lock for the state machine. */
  private final class Hooks implements SegmentedLog.Hooks {
    @Override
    public void written(long first, int count, ByteBuffer frame) {
      // apply must not write to the log: a replay applies the record again (and would write again),
      // and a roll meanwhile would checkpoint a state whose apply is half done.
      log.beginWritingAtEndLocked("an apply", APPLYING); // a constant: no work per frame
      try {
        applyLocked(first, count, frame);
      } finally {
        log.endWritingAtEndLocked();
      }
    }

    private void applyLocked(long first, int count, ByteBuffer frame) {
      int p = SegmentFormat.FRAME_HEADER_BYTES;
      for (int i = 0; i < count; i++) {
        int length = SegmentFormat.recordLength(frame, p);
        byte[] payload = new byte[length];
        frame.get(p + SegmentFormat.RECORD_HEADER_BYTES, payload);
        Record r =
            new Record(
                first + i,
                SegmentFormat.recordTimestamp(frame, p),
                SegmentFormat.recordType(frame, p),
                ByteBuffer.wrap(payload));
        p += SegmentFormat.RECORD_HEADER_BYTES + length;
        try {
          stateMachine.apply(r);
        } catch (RuntimeException e) {
          throw log.fenceForStateMachine(
              "applying record " + r.index() + " to the state machine", e);
        }
      }
    }

    @Override
    public void rolled() {
      writeCheckpointLocked();
      // Durable before the roll returns: retention, which may run next, and purging may then
      // delete every older segment.
      log.forceActiveLocked("the checkpoint beginning " + log.activeSegment().path());
    }
  }

  // ---- StateMachineLog

  @Override
  public ReplayReport replayReport() {
    return replayReport;
  }

  @Override
  public CheckpointInfo checkpoint() {
    return log.underAppendLock(
        () -> {
          log.checkNotWritingAtEnd("checkpoint"); // before a roll (below) changes anything
          Segment active = log.activeSegment();
          if (active.header().version() >= 2) {
            return writeCheckpointLocked();
          }
          if (active.recordCount() == 0) {
            throw new IllegalStateException(
                "the active segment "
                    + active.path().getFileName()
                    + " is a format version 1 segment without records: append a record first");
          }
          log.rollLocked(); // the new (version 2) segment begins with a checkpoint
          return newestAtMost(Long.MAX_VALUE);
        });
  }

  @Override
  public List<CheckpointInfo> checkpoints() {
    pruneCatalog(); // retention may have removed segments
    synchronized (catalog) {
      return List.copyOf(catalog);
    }
  }

  @Override
  public long purgeTo(long index) {
    return log.underAppendLock(
        () -> {
          CheckpointInfo target = null;
          for (CheckpointInfo c : checkpoints()) {
            if (c.index() <= index) {
              target = c; // sorted by index: the newest that covers at most index
            }
          }
          return purgeLocked(target);
        });
  }

  @Override
  public long purgeWhile(Predicate<CheckpointInfo> allowed) {
    Objects.requireNonNull(allowed, "allowed");
    return log.underAppendLock(
        () -> {
          CheckpointInfo target = null;
          for (CheckpointInfo c : checkpoints()) {
            if (!allowed.test(c)) {
              break;
            }
            target = c;
          }
          return purgeLocked(target);
        });
  }

  /**
   * Under the append lock: deletes the whole segments before the one holding {@code target}, after
   * verifying its chunks and making it durable, with the log's prefix truncation (the new first
   * index committed in the metadata before any file is deleted; a crash in between is finished by
   * the next open). Returns the first index afterwards.
   */
  private long purgeLocked(CheckpointInfo target) {
    if (target == null) {
      return log.firstIndex();
    }
    Segment[] segments = log.segmentArray();
    int k = 0;
    while (k < segments.length && !segments[k].path().equals(target.segment())) {
      k++;
    }
    if (k == 0 || k == segments.length) {
      return log.firstIndex(); // in the first segment already, or purged meanwhile
    }
    Segment holder = segments[k];
    try (CheckpointInput in =
        new CheckpointInput(holder, log.maxBodyBytes(), target.offset(), target.index())) {
      in.transferTo(java.io.OutputStream.nullOutputStream()); // every chunk's checksum
    } catch (IOException e) {
      throw log.fenceForStateMachine(
          "verifying checkpoint " + target + " before purging", new UncheckedIOException(e));
    }
    if (holder == log.activeSegment()) {
      // The checkpoint is durable before anything it replaces is deleted (a sealed holder is).
      log.forceActiveLocked("checkpoint " + target + ", before purging");
    }
    log.truncateBefore(holder.baseIndex()); // under the append lock: never waits on the syncer
    pruneCatalog();
    return log.firstIndex();
  }

  /** Forgets checkpoints whose segment is gone. */
  private void pruneCatalog() {
    java.util.Set<Path> present = new java.util.HashSet<>();
    for (Segment s : log.segmentArray()) {
      present.add(s.path());
    }
    synchronized (catalog) {
      catalog.removeIf(c -> !present.contains(c.segment()) || c.index() < log.firstIndex() - 1);
    }
  }

  // ---- truncation and retention

  /**
   * Truncating the suffix would remove records the state machine has applied: a StateMachineLog
   * refuses it.
   */
  @Override
  public void truncateAfter(long index) {
    throw new UnsupportedOperationException(
        "a StateMachineLog cannot remove records its state machine has applied"
            + " (truncateAfter); open the log without a state machine to do it");
  }

  /** See {@link #truncateAfter}. */
  @Override
  public void reset(long nextIndex) {
    throw new UnsupportedOperationException(
        "a StateMachineLog cannot remove records its state machine has applied (reset)");
  }

  /** See {@link #truncateAfter}. */
  @Override
  public void clear() {
    throw new UnsupportedOperationException(
        "a StateMachineLog cannot remove records its state machine has applied (clear)");
  }

  /**
   * Removes the records before {@code index} and keeps the state recoverable: first a checkpoint of
   * the current state is written at the end of the active segment (which prefix truncation never
   * deletes) and made durable, then the prefix is truncated.
   */
  @Override
  public void truncateBefore(long index) {
    log.underAppendLock(
        () -> {
          if (index > log.firstIndex() && index <= log.lastIndex() + 1) {
            CheckpointInfo c = checkpoint();
            log.forceActiveLocked("checkpoint " + c);
          }
          log.truncateBefore(index);
          pruneCatalog();
          return null;
        });
  }

  @Override
  public io.seglog.RetentionResult applyRetention() {
    io.seglog.RetentionResult r = log.applyRetention();
    pruneCatalog();
    return r;
  }

  // ---- Log, delegated

  @Override
  public long append(byte[] payload) {
    return log.append(payload);
  }

  @Override
  public long append(ByteBuffer payload) {
    return log.append(payload);
  }

  @Override
  public long append(Entry entry) {
    return log.append(entry);
  }

  @Override
  public long appendBatch(List<Entry> entries) {
    return log.appendBatch(entries);
  }

  @Override
  public CompletableFuture<Long> appendAsync(Entry entry) {
    return log.appendAsync(entry);
  }

  @Override
  public CompletableFuture<Long> appendAsync(byte[] payload) {
    return log.appendAsync(payload);
  }

  @Override
  public CompletableFuture<Long> appendBatchAsync(List<Entry> entries) {
    return log.appendBatchAsync(entries);
  }

  @Override
  public Record read(long index) {
    return log.read(index);
  }

  @Override
  public Record read(long index, Visibility visibility) {
    return log.read(index, visibility);
  }

  @Override
  public LogReader reader(long fromInclusive, long toExclusive, Visibility visibility) {
    return log.reader(fromInclusive, toExclusive, visibility);
  }

  @Override
  public LogReader reader(long fromInclusive, long toExclusive) {
    return log.reader(fromInclusive, toExclusive);
  }

  @Override
  public LogReader reverseReader(long fromInclusive, long toExclusive, Visibility visibility) {
    return log.reverseReader(fromInclusive, toExclusive, visibility);
  }

  @Override
  public io.seglog.Tailer tailer(long fromIndex, Visibility visibility) {
    return log.tailer(fromIndex, visibility);
  }

  @Override
  public io.seglog.Tailer tailer(String name, long fromIndexIfNew, Visibility visibility) {
    return log.tailer(name, fromIndexIfNew, visibility);
  }

  @Override
  public java.util.Map<String, Long> committedPositions() {
    return log.committedPositions();
  }

  @Override
  public void deletePosition(String name) {
    log.deletePosition(name);
  }

  @Override
  public long indexAtOrAfter(long timestampMillis) {
    return log.indexAtOrAfter(timestampMillis);
  }

  @Override
  public long appendStream(java.io.InputStream source, long maxBytes) throws java.io.IOException {
    return log.appendStream(source, maxBytes); // refused: the state machine applies whole records
  }

  @Override
  public long appendStream(java.nio.channels.ReadableByteChannel source, long maxBytes)
      throws java.io.IOException {
    return log.appendStream(source, maxBytes);
  }

  @Override
  public long appendStream(
      java.nio.channels.ReadableByteChannel source, long maxBytes, int type, long timestamp)
      throws java.io.IOException {
    return log.appendStream(source, maxBytes, type, timestamp);
  }

  @Override
  public java.io.InputStream readStream(long index) {
    return log.readStream(index);
  }

  @Override
  public long firstIndex() {
    return log.firstIndex();
  }

  @Override
  public long lastIndex() {
    return log.lastIndex();
  }

  @Override
  public long durableIndex() {
    return log.durableIndex();
  }

  @Override
  public long sync() {
    return log.sync();
  }

  @Override
  public void roll() {
    log.roll();
  }

  @Override
  public LogStats stats() {
    return log.stats();
  }

  @Override
  public List<SegmentInfo> segments() {
    return log.segments();
  }

  @Override
  public LogMetrics metrics() {
    return log.metrics();
  }

  @Override
  public RecoveryReport recoveryReport() {
    return log.recoveryReport();
  }

  @Override
  public Path directory() {
    return log.directory();
  }

  /** The log underneath (for tests and tools). */
  public SegmentedLog segmentedLog() {
    return log;
  }

  /**
   * Closes the log, then stops the durability listener's thread once it has delivered everything. A
   * close from a state machine's callback or a purge predicate (under the append lock) is refused
   * before anything stops: the log stays open and its listener keeps reporting.
   */
  @Override
  public void close() {
    log.checkCloseAllowed(); // before the notifier: it must not stop while the log stays open
    try {
      log.close();
    } finally {
      if (notifier != null) {
        notifier.close();
      }
    }
  }

  @Override
  public String toString() {
    return "StateMachineLog{" + log + "}";
  }
}
