package io.seglog;

import java.time.Duration;

/**
 * Follows the log: returns records in index order, each one as soon as it is visible, waiting for
 * the next when it has read everything. Open one with {@link Log#tailer(long, Visibility)}, or with
 * a name ({@link Log#tailer(String, long, Visibility)}) to resume after a restart where that name
 * last {@link #commit() committed}.
 *
 * <p><b>Visibility.</b> With {@link Visibility#WRITTEN} a record is returned once its frame is
 * fully written (never a half-written frame); with {@link Visibility#DURABLE}, once it is fsynced
 * ({@link Log#durableIndex()} reached it). A tailer never returns a record that truncation removed:
 * it throws {@link RecordsGoneException} instead.
 *
 * <p><b>Waiting.</b> A waiting {@link #poll} parks its thread; it does not spin. The writer pays
 * nothing per record for tailers unless one is waiting, and then one signal per append. A tailer of
 * a log opened with {@link Log#openReadOnly} (typically in another process than the writer) cannot
 * be signalled: it looks for new frames in the files with a backoff from 50 microseconds up to 5
 * milliseconds while it waits. It takes a frame only once it is whole and its CRC32C matches, and
 * follows the writer's rolls to new segments. With {@link Visibility#DURABLE} it sees a record as
 * durable once a later frame (which records the writer's durable index) or the segment's seal
 * proves it fsynced, so it lags the writer by one frame while the writer is idle.
 *
 * <p><b>Closing.</b> Closing the tailer wakes a thread waiting in {@link #poll} with {@link
 * TailerClosedException}; closing the log wakes every tailer's waiting thread with {@link
 * LogClosedException}. Either way every later call throws the same.
 *
 * <p>Not thread-safe: one thread polls a tailer; {@link #close()} may be called from any thread.
 * Any number of tailers may follow one log.
 */
public interface Tailer extends AutoCloseable {

  /**
   * The next record, waiting up to {@code timeout} for it to become visible. Returns {@code null}
   * if none became visible in time ({@link Duration#ZERO}: do not wait). The record owns a copy of
   * its payload.
   *
   * @throws TailerClosedException if the tailer is closed, before or during the wait
   * @throws LogClosedException if the log is closed, before or during the wait
   * @throws RecordsGoneException if truncation or retention removed the next record
   * @throws CorruptLogException if the next record's frame is damaged
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  Record poll(Duration timeout) throws InterruptedException;

  /**
   * Like {@link #poll}, but returns the record in place, without copying or allocating: the view is
   * valid until the next call on this tailer (see {@link RecordView}).
   *
   * @throws TailerClosedException if the tailer is closed, before or during the wait
   * @throws LogClosedException if the log is closed, before or during the wait
   * @throws RecordsGoneException if truncation or retention removed the next record
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  RecordView pollView(Duration timeout) throws InterruptedException;

  /** The index the next poll returns. */
  long position();

  /** The tailer's name, or null if it has none (its position is not stored). */
  String name();

  /**
   * Stores {@link #position()} as this name's committed position, durably (one small file written
   * atomically: temp file, fsync, rename, directory fsync) before returning. A tailer opened later
   * with the same name starts there.
   *
   * @throws IllegalStateException if the tailer has no name
   * @throws UnsupportedOperationException if the log is open read-only
   * @throws SeglogIOException if the position cannot be written
   */
  void commit();

  /**
   * Stores {@code position} (the next index to read) as this name's committed position. See {@link
   * #commit()}.
   *
   * @throws IndexOutOfRangeException if {@code position} is not in {@code [firstIndex, lastIndex +
   *     1]}
   */
  void commit(long position);

  /**
   * Releases the tailer (a named tailer's name may then be opened again) and wakes a thread waiting
   * in {@link #poll} with {@link TailerClosedException}. Does not commit. Idempotent: a call while
   * another is in progress returns once the name is released.
   */
  @Override
  void close();
}
