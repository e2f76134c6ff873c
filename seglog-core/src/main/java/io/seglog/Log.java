package io.seglog;

import io.seglog.internal.log.SegmentedLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * <p><b>Read visibility.</b> Every read ({@link #read}, {@link #reader}, {@link #reverseReader},
 * {@link #tailer}) follows the same rules:
 *
 * <ul>
 *   <li>A record is visible once its whole frame (its append, or its whole batch) is written: the
 *       writer publishes {@link #lastIndex()} after the write. A half-written frame is never seen,
 *       and a batch is seen all at once.
 *   <li>With {@link Visibility#DURABLE}, a record is visible only once it is fsynced: up to {@link
 *       #durableIndex()}.
 *   <li>Every frame is checked against its CRC32C when read; damage throws {@link
 *       CorruptLogException}, never returns bytes.
 *   <li>A record that truncation or retention removed is never returned: a reader or tailer
 *       positioned on it throws {@link RecordsGoneException}.
 *   <li>A log opened with {@link #openReadOnly} (in this process or another) sees what the writer
 *       appended after it was opened through its tailers, which look for new frames in the files: a
 *       frame is taken only whole and with a matching CRC32C, so a frame being written is simply
 *       not there yet.
 * </ul>
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
    return open(directory, config, Storage.fileSystem());
  }

  /**
   * Opens the log in {@code directory} of {@code storage}, creating the directory and the log if
   * absent: with {@link Storage#inMemory()}, a log that never touches the disk. See {@link
   * #open(Path, LogConfig)}.
   */
  static Log open(Path directory, LogConfig config, Storage storage) {
    java.util.Objects.requireNonNull(storage, "storage");
    return SegmentedLog.open(directory, config, storage.fileIO(config));
  }

  /**
   * Opens the log in {@code directory} for a state machine: restores its newest usable checkpoint
   * and replays the records after it before returning. See {@link StateMachineLog} (which cannot be
   * encrypted yet: {@link UnsupportedOperationException} if {@code config} sets encryption).
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
   * <p>While a writer appends, the returned log follows it (see the class note). Once it finds that
   * the writer truncated the log ({@link #truncateAfter}, {@link #reset}, {@link #clear}) since it
   * was opened, it cannot tell which of the records it knows are still the writer's: from then on
   * its reads and tailers throw {@link RecordsGoneException}. Open it again to read on.
   *
   * @throws NoSuchLogException if the directory does not exist or holds no log
   * @throws CorruptLogException if the log is damaged beyond what the configured mode tolerates
   * @throws SeglogIOException if the log's files cannot be read
   */
  static Log openReadOnly(Path directory, LogConfig config) {
    return openReadOnly(directory, config, Storage.fileSystem());
  }

  /**
   * Opens an existing log of {@code storage} for reading only. See {@link #openReadOnly(Path,
   * LogConfig)}.
   */
  static Log openReadOnly(Path directory, LogConfig config, Storage storage) {
    java.util.Objects.requireNonNull(storage, "storage");
    return SegmentedLog.openReadOnly(directory, config, storage.fileIO(config));
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
   * <p>From code the log runs under its append lock that may write (a {@link
   * StateMachineLog#purgeWhile} predicate; a state machine's {@code apply} and {@code checkpoint}
   * may not write at all, see {@link StateMachine}), under {@link SyncPolicy#ALWAYS}, the record is
   * fsynced before this returns, as by {@link #append(Entry)}, and the future is already complete:
   * the fsync of a queued future needs that lock, so waiting there for one would never end. For the
   * same reason, do not wait there for a future of an asynchronous append made elsewhere.
   *
   * <p>A future's callbacks may run on the log's flush worker, the thread that completes the
   * futures under {@link SyncPolicy#ALWAYS}. There, {@code join} or {@code get} of a future this
   * log returned, or of one derived from it ({@code thenApply}, {@code thenCompose} and the like),
   * makes what it waits for durable in that thread first (sharing fsyncs with concurrent appenders,
   * as {@link #append(Entry)} does), so a callback may wait for it, whoever made the append; a
   * timed {@code get} there may take longer than its timeout, as long as that fsync. Not so for a
   * future combined by {@code CompletableFuture.allOf} or {@code anyOf}, nor for one made by {@code
   * minimalCompletionStage().toCompletableFuture()}, nor for {@code isDone} polled there: those
   * wait for the worker, which waits for them. An append made in a callback is still completed by
   * the worker after the callback returns, so a chain of appends each made from the previous one's
   * callback does not nest; but a callback that waits for its append completes it inside the wait,
   * so the append's own callbacks run nested there (a chain in which every callback waits for the
   * next append grows the stack by a few frames per link).
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
   * Appends one record (type 0, assigned timestamp) whose payload is read from {@code source} up to
   * its end, without holding it in memory: the bytes go through a bounded buffer into the active
   * segment, their checksum computed on the way, and the frame header is written last. See {@link
   * #appendStream(ReadableByteChannel, long)}.
   */
  long appendStream(InputStream source, long maxBytes) throws IOException;

  /**
   * Appends one record (type 0, assigned timestamp) whose payload is read from {@code source}, a
   * blocking channel, up to its end, without holding it in memory.
   *
   * <p>All or nothing: if the source holds more than {@code maxBytes} bytes, or throws, the bytes
   * written so far are cut off the segment and the log is exactly as before (same files, same
   * bytes, same last index); nothing is published or acknowledged, and the log is not fenced. It is
   * fenced only if the disk fails, as for any append. Durability follows the sync policy, as for
   * {@link #append(byte[])}: under {@link SyncPolicy#ALWAYS} this returns once the record is
   * fsynced. A crash in the middle leaves a torn frame at the end of the log, which the next open
   * cuts (keeping the bytes in a {@code .cut} side file).
   *
   * <p>Segments: the record goes at the end of the active segment, which rolls first only if it is
   * due to roll anyway; it is not split, so a segment may exceed {@link LogConfig#segmentBytes()}
   * by one streamed record (the next append then rolls it). The appender holds the log's append
   * lock while it reads the source: other appends wait, so feed it from a fast source (a file, not
   * a slow network peer). For the same reason the source must not close or cut the log: {@link
   * #close()}, {@link #truncateAfter}, {@link #reset} and {@link #clear} throw {@link
   * IllegalStateException} there; a {@link #sync()} there fsyncs under the lock. Nor may it write
   * to the log while its record is being written at the end: an append, a {@link #roll()} or
   * another {@code appendStream} from the source throws {@link IllegalStateException}.
   *
   * @param maxBytes the largest payload accepted, at most {@link
   *     LogConfig#maxStreamedRecordBytes()}
   * @return the record's index
   * @throws IOException the source's own exception, if reading it failed; nothing was appended
   * @throws RecordTooLargeException if the source held more than {@code maxBytes}; nothing was
   *     appended
   * @throws IllegalArgumentException if {@code maxBytes} is negative or above {@link
   *     LogConfig#maxStreamedRecordBytes()}, or the channel is non-blocking
   * @throws UnsupportedOperationException if the log encrypts its frames ({@link
   *     LogConfig#encryption()}): streamed records are written outside the frame coder, so they are
   *     refused rather than stored in plaintext (nor are they compressed); or if the log feeds a
   *     {@link StateMachine}, which applies every record whole as it is written
   * @throws LogFencedException if a write or fsync failed, now or before
   * @throws LogClosedException if the log is closed
   */
  long appendStream(ReadableByteChannel source, long maxBytes) throws IOException;

  /**
   * {@link #appendStream(ReadableByteChannel, long)} of a record with the given type and timestamp.
   *
   * @param type the record's type, 0 .. {@link Entry#MAX_TYPE}
   * @param timestamp epoch millis, or {@link Entry#ASSIGN_TIMESTAMP}
   * @throws IllegalArgumentException also if the type or timestamp is out of range
   */
  long appendStream(ReadableByteChannel source, long maxBytes, int type, long timestamp)
      throws IOException;

  /**
   * The payload of record {@code index} as a stream, read from the segment through a bounded
   * buffer: for records too large to hold in memory.
   *
   * <p>Verification: a record larger than 1 MiB alone in its frame (as every streamed record is) is
   * verified as it is read: the read that reaches its end throws {@link CorruptLogException}
   * instead of returning -1 if the checksum does not match, so bytes read before the end are
   * unverified, and must not be acted on before the end was reached without an exception (spool
   * them, then commit). Smaller records, and records of a batch, are read and verified whole before
   * the first byte is returned. The stream holds no lock; it fails with an {@code IOException} once
   * the log is closed.
   *
   * @throws IndexOutOfRangeException if the index is not in {@code [firstIndex, lastIndex]}
   * @throws CorruptLogException if the frame's header (or a record read whole) is damaged
   */
  InputStream readStream(long index);

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

  /**
   * Seek by time: the index of the first record, in index order, whose timestamp is at or after
   * {@code timestampMillis}; {@code lastIndex() + 1} if there is none (so a reader from the result
   * reads exactly the records from there on).
   *
   * <p>Timestamps need not be monotonic: the answer is always the first such record in index order
   * (records before it may be later than ones after it). It costs no scan of the log: sealed
   * segments whose largest timestamp (from their trailer, in memory) is below {@code
   * timestampMillis} are skipped without I/O, and in the first remaining segment a sparse time
   * index (one sample per 4 KiB of segment, kept in a derived {@code N.tix} file built on first
   * use) says from which frame to read; at most about 4 KiB of frames is read before the answer.
   * Sees records up to {@code lastIndex()} as of the call.
   *
   * @throws LogClosedException if the log is closed
   */
  long indexAtOrAfter(long timestampMillis);

  /**
   * A reader over {@code [fromInclusive, toExclusive)} newest first: it returns {@code
   * min(toExclusive, end) - 1} first, where {@code end} is one past the last record {@code
   * visibility} allowed when it was created, and {@code fromInclusive} last. For tools and
   * debugging; it reads about one frame per load, without read-ahead.
   *
   * @throws IndexOutOfRangeException if {@code fromInclusive} is below {@code firstIndex} or above
   *     that last record + 1
   * @throws IllegalArgumentException if {@code toExclusive < fromInclusive}
   */
  LogReader reverseReader(long fromInclusive, long toExclusive, Visibility visibility);

  /**
   * A tailer that starts at {@code fromIndex} and follows the log: each {@link Tailer#poll} returns
   * the next record as soon as {@code visibility} allows it (written, or durable). See {@link
   * Tailer}.
   *
   * @throws IndexOutOfRangeException if {@code fromIndex} is not in {@code [firstIndex, lastIndex +
   *     1]}
   */
  Tailer tailer(long fromIndex, Visibility visibility);

  /** {@link #tailer(long, Visibility)} with {@link Visibility#WRITTEN}. */
  default Tailer tailer(long fromIndex) {
    return tailer(fromIndex, Visibility.WRITTEN);
  }

  /**
   * A named tailer: it starts where {@code name} last committed ({@link Tailer#commit()}), in this
   * or an earlier run, or at {@code fromIndexIfNew} when the name has no committed position yet.
   * Positions are stored crash-safely, one small file per name under {@code positions/} in the log
   * directory. While {@link LogConfig#positionsHoldRetention()} is on (the default), retention
   * keeps every record from the lowest committed position on; when it is off, retention may delete
   * them, and the named tailer then throws {@link RecordsGoneException} at its first poll.
   *
   * <p>A log opened read-only can open named tailers (they start at the committed position) but
   * cannot commit.
   *
   * @param name 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'
   * @throws IllegalArgumentException if the name is invalid
   * @throws IllegalStateException if a tailer with this name is open already
   * @throws IndexOutOfRangeException if the name is new and {@code fromIndexIfNew} is not in {@code
   *     [firstIndex, lastIndex + 1]}
   * @throws CorruptLogException if the name's position file is damaged
   */
  Tailer tailer(String name, long fromIndexIfNew, Visibility visibility);

  /** The committed position of every named tailer, by name (the next index each one reads). */
  Map<String, Long> committedPositions();

  /**
   * Forgets a name's committed position, durably, so it no longer holds back retention. No error if
   * it has none.
   *
   * @throws UnsupportedOperationException if the log is open read-only
   */
  void deletePosition(String name);

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
   * <p>Concurrent calls, and appends under {@link SyncPolicy#ALWAYS}, share fsyncs (group commit).
   * Called from code the log runs under its append lock (a {@link StateMachine}'s callbacks, a
   * {@link StateMachineLog#purgeWhile} predicate, an {@link #appendStream} source), it fsyncs there
   * itself, holding the lock (as an {@code ALWAYS} append there does): sharing an fsync would mean
   * waiting for another thread that needs that lock.
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
   * <p>Not from code the log runs under its append lock (an {@link #appendStream} source): the cut
   * waits for the fsync in progress, which may be waiting for that lock, so it is refused there at
   * once, whether or not it would have waited, and nothing changes. The same holds for {@link
   * #reset} and {@link #clear}.
   *
   * @throws IndexOutOfRangeException if {@code index} is below {@code firstIndex() - 1} or above
   *     {@code lastIndex()}
   * @throws LogFencedException if a write or fsync fails (the log is fenced; reopen to finish)
   * @throws IllegalStateException if called from code the log runs under its append lock (see
   *     above); nothing changed
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
   * Crash-safe like {@link #truncateAfter}, and, like it, refused from code the log runs under its
   * append lock.
   *
   * @throws IllegalArgumentException if {@code nextIndex} is out of range
   * @throws IllegalStateException if called from code the log runs under its append lock (see
   *     {@link #truncateAfter}); nothing changed
   */
  void reset(long nextIndex);

  /**
   * Deletes every record and keeps numbering: {@code reset(lastIndex() + 1)}, so an index is never
   * given to two different records in the life of the log.
   *
   * @throws IllegalStateException if called from code the log runs under its append lock (see
   *     {@link #truncateAfter}); nothing changed
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
   *
   * <p>A call while another thread's close is in progress returns once that close has finished
   * (files and directory lock released), normally even if it failed: the first caller reports the
   * failure. So the directory may be reopened or deleted as soon as any close returns. A close from
   * a callback on one of the log's own threads that the first close waits for (the completion of an
   * {@link #appendAsync} future) returns at once instead, since waiting there would deadlock.
   *
   * <p>Not from code the log runs under its append lock: a {@link StateMachine}'s {@code apply} or
   * {@code checkpoint}, a {@link StateMachineLog#purgeWhile} predicate, an {@link #appendStream}
   * source (or a {@link LogConfig#clock()} or {@link KeyProvider}). Close waits for the flush
   * worker and the fsync in progress, which may be waiting for that lock, so such a close is
   * refused at once, whether or not it would have waited; the log stays open, and nothing
   * acknowledged or pending is affected. Close from another thread once the callback returns.
   *
   * @throws IllegalStateException if called, as the first close, from code the log runs under its
   *     append lock (see above); the log is then still open
   */
  @Override
  void close();
}
