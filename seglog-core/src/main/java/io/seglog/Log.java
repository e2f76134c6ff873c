package io.seglog;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A segmented, durable, append-only log of records with contiguous 64-bit indices.
 *
 * <p>Thread-safe: appends may come from many threads (their writes are serialized, their fsyncs
 * shared: under {@link SyncPolicy#ALWAYS} appenders waiting at the same time are covered by one
 * fsync, a group commit); any number of threads may read concurrently with the writer without
 * blocking it. Every record gets the next index; indices never skip. A record is visible to readers
 * once its frame is fully written, and durable once {@link #durableIndex()} reaches it.
 *
 * <p>Opening a log recovers it (see {@link RecoveryMode}); the open holds an OS file lock on the
 * directory until {@link #close()}, so a second opener, in this process or another, fails at once
 * with {@link LogLockedException}.
 */
public interface Log extends AutoCloseable {

  /**
   * Opens the log in {@code directory}, creating the directory and the log if absent.
   *
   * @throws LogLockedException if another process (or another open log) holds the directory
   * @throws CorruptLogException if recovery under the configured mode refuses damage
   * @throws SeglogIOException if the directory cannot be read or written
   */
  static Log open(Path directory, LogConfig config) {
    return SegmentedLog.open(directory, config, NioFileIO.INSTANCE);
  }

  /**
   * Opens the log in {@code directory} for a state machine: restores its newest usable checkpoint
   * and replays the records after it before returning. See {@link StateMachineLog}.
   */
  static StateMachineLog open(Path directory, LogConfig config, StateMachine stateMachine) {
    return StateMachineLog.open(directory, config, stateMachine);
  }

  /** Opens with {@link LogConfig#defaults()}. */
  static Log open(Path directory) {
    return open(directory, LogConfig.defaults());
  }

  /**
   * Opens an existing log for reading only: takes no lock, writes nothing, changes nothing, even on
   * a damaged log. Recovery is computed in memory: a damaged tail is hidden, not cut. Appending to
   * the returned log throws {@link UnsupportedOperationException}.
   *
   * @throws NoSuchLogException if the directory does not exist or holds no log
   * @throws CorruptLogException if the log is damaged beyond what the configured mode tolerates
   * @throws SeglogIOException if the log's files cannot be read
   */
  static Log openReadOnly(Path directory, LogConfig config) {
    return SegmentedLog.openReadOnly(directory, config, NioFileIO.INSTANCE);
  }

  /**
   * Appends one record of type 0 with an assigned timestamp.
   *
   * @return the record's index
   * @throws RecordTooLargeException if the payload exceeds {@link LogConfig#maxRecordBytes()}
   * @throws LogFencedException if a write or fsync failed, now or before
   * @throws LogClosedException if the log is closed
   */
  long append(byte[] payload);

  /** Appends the buffer's remaining bytes as one record of type 0. See {@link #append(byte[])}. */
  long append(ByteBuffer payload);

  /** Appends one record. See {@link #append(byte[])}. */
  long append(Entry entry);

  /**
   * Appends records as one frame: after a crash, all of them are in the log or none is.
   *
   * @return the index of the first record; the others follow contiguously
   * @throws IllegalArgumentException if the batch is empty
   * @throws RecordTooLargeException if one record exceeds {@link LogConfig#maxRecordBytes()} or the
   *     batch exceeds {@link LogConfig#maxBatchBytes()}
   */
  long appendBatch(List<Entry> entries);

  /**
   * Appends one record without waiting for the disk. The future completes with the record's index
   * once it is durable under the sync policy: after its fsync under {@link SyncPolicy#ALWAYS}
   * (concurrent appends share fsyncs), at once under the other policies. It completes
   * exceptionally, never hangs, if the log is fenced or closed first: with {@link
   * LogFencedException} or {@link LogClosedException}.
   *
   * @throws RecordTooLargeException if the payload exceeds {@link LogConfig#maxRecordBytes()}
   */
  CompletableFuture<Long> appendAsync(Entry entry);

  /** {@link #appendAsync(Entry)} of a type-0 record with an assigned timestamp. */
  CompletableFuture<Long> appendAsync(byte[] payload);

  /**
   * {@link #appendBatch} without waiting for the disk: the future completes with the first index
   * once the whole batch is durable under the sync policy. See {@link #appendAsync(Entry)}.
   */
  CompletableFuture<Long> appendBatchAsync(List<Entry> entries);

  /**
   * Reads one record, verifying its checksum.
   *
   * @throws IndexOutOfRangeException if the index is not in {@code [firstIndex, lastIndex]}; {@link
   *     RecordsGoneException} (a subclass) if truncation or retention removed it, before or while
   *     this read ran
   * @throws CorruptLogException if the frame holding it is damaged
   */
  Record read(long index);

  /**
   * Reads one record that {@code visibility} allows: with {@link Visibility#DURABLE}, only up to
   * {@link #durableIndex()}.
   *
   * @throws IndexOutOfRangeException if the index is outside what the visibility allows
   */
  Record read(long index, Visibility visibility);

  /**
   * A reader over {@code [fromInclusive, toExclusive)} that stops at the last record {@code
   * visibility} allowed when it was created: {@link #lastIndex()} for {@link Visibility#WRITTEN},
   * {@link #durableIndex()} for {@link Visibility#DURABLE}.
   *
   * @throws IndexOutOfRangeException if {@code fromInclusive} is below {@code firstIndex} or above
   *     that last record + 1
   */
  LogReader reader(long fromInclusive, long toExclusive, Visibility visibility);

  /**
   * A reader over {@code [fromInclusive, toExclusive)}. {@code toExclusive} may exceed {@code
   * lastIndex() + 1}: the reader stops at the last record written when it was created.
   *
   * @throws IndexOutOfRangeException if {@code fromInclusive} is below {@code firstIndex} or above
   *     {@code lastIndex + 1}
   */
  LogReader reader(long fromInclusive, long toExclusive);

  /** The first index in the log. */
  long firstIndex();

  /** The last index written (visible to readers); {@code firstIndex() - 1} when empty. */
  long lastIndex();

  /**
   * The last index known fsynced; never above {@link #lastIndex()}, never below {@code firstIndex()
   * - 1}.
   */
  long durableIndex();

  /**
   * Fsyncs everything written so far. Returns the durable index.
   *
   * @throws LogFencedException if the fsync fails (the log is fenced)
   */
  long sync();

  /** Seals the active segment and starts a new one at the next append's index. */
  void roll();

  // ---- truncation and retention: each crash-safe (a crash opens to the state before or after)

  /**
   * Removes every record after {@code index}; the next append gets {@code index + 1}. For a Raft
   * follower resolving a conflict. The segment holding {@code index} is cut in place (a sealed one
   * loses its trailer and becomes the active segment again; when {@code index} falls inside a
   * batch, that frame is rewritten with the kept records only) and every later segment is deleted.
   * When it returns the cut is durable: the removed records never reappear, even after a crash;
   * every kept record is durable too. A crash during it opens the log either untouched or
   * truncated.
   *
   * <p>{@code index == lastIndex()} does nothing; {@code index == firstIndex() - 1} empties the log
   * (its first index stays). Readers positioned after {@code index} get {@link
   * RecordsGoneException}, never the records appended after the cut in their place. An append
   * waiting for durability of a record this removes fails with {@link RecordsGoneException}.
   *
   * @throws IndexOutOfRangeException if {@code index} is below {@code firstIndex() - 1} or above
   *     {@code lastIndex()}
   * @throws LogFencedException if a write or fsync fails (the log is fenced; reopen to finish)
   */
  void truncateAfter(long index);

  /**
   * Removes every record before {@code index} (after a snapshot): {@link #firstIndex()} becomes
   * {@code index} at once, and after a reopen. The new first index is committed in the metadata
   * file first; segments wholly below it are then deleted; the segment holding it is kept whole
   * (its records below {@code index} are no longer readable). Reads below it throw {@link
   * RecordsGoneException}. {@code index <= firstIndex()} does nothing; {@code index == lastIndex()
   * + 1} empties the log, whose next append keeps its index.
   *
   * @throws IndexOutOfRangeException if {@code index} is above {@code lastIndex() + 1}
   * @throws LogFencedException if a write or fsync fails
   */
  void truncateBefore(long index);

  /**
   * Deletes every record and starts the log again at {@code nextIndex}: afterwards {@code
   * firstIndex() == nextIndex}, {@code lastIndex() == nextIndex - 1} and the next append gets
   * {@code nextIndex}. For a follower installing a snapshot: {@code reset(snapshotIndex + 1)}. Any
   * {@code nextIndex} in {@code [0, Long.MAX_VALUE / 2]} is allowed, below the old indices too.
   * Crash-safe like {@link #truncateAfter}.
   *
   * @throws IllegalArgumentException if {@code nextIndex} is out of range
   */
  void reset(long nextIndex);

  /**
   * Deletes every record and keeps numbering: {@code reset(lastIndex() + 1)}, so an index is never
   * given to two different records in the life of the log.
   */
  void clear();

  /**
   * Applies the retention policies of the configuration now (they are also applied after every
   * roll): removes the oldest sealed segments that a policy wants gone, never the active one, as
   * {@link #truncateBefore} does.
   *
   * @return what was removed (nothing when no policy is set or none applies)
   */
  RetentionResult applyRetention();

  /** A snapshot of the log's extent. */
  LogStats stats();

  /** The segments, oldest first, as they are now. */
  List<SegmentInfo> segments();

  /** A snapshot of the durability counters (fsyncs, latency, records per fsync, queue depth). */
  LogMetrics metrics();

  /** What opening this log found and did. */
  RecoveryReport recoveryReport();

  /** The log's directory. */
  Path directory();

  /**
   * Syncs, records a clean shutdown and releases the lock and files. Idempotent. After it, every
   * operation throws {@link LogClosedException}.
   */
  @Override
  void close();
}
