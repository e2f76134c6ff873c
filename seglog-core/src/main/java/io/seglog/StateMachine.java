package io.seglog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The user's state machine behind a {@link StateMachineLog}: a key-value store, a Raft state, an
 * aggregate. The log applies every record to it in index order, asks it for a checkpoint of its
 * state when a segment rolls (and on {@link StateMachineLog#checkpoint()}), and at open restores
 * the newest usable checkpoint and replays the records after it.
 *
 * <p>Threading: the log calls {@link #apply} and {@link #checkpoint} under its append lock, one
 * call at a time, in index order; {@link #restore} and the replay's {@code apply} calls run in the
 * opening thread before {@link StateMachineLog#open} returns. Reads of the state from other threads
 * are the implementation's business (a concurrent map, a lock). Because they run under the append
 * lock, {@link #apply} and {@link #checkpoint} must not close the log: {@link Log#close()} there
 * throws {@link IllegalStateException} and leaves the log open (close waits for fsyncs that need
 * that lock, so it would deadlock); an {@code apply} that lets the exception out fences the log, as
 * any exception does. Hand the close to another thread instead. A {@link Log#sync()} from them
 * fsyncs under the lock; do not wait there for another thread that appends, syncs, or completes a
 * future of an asynchronous append: it needs the lock. Neither may write to the log (an append of
 * any kind, a {@link Log#roll()}, a {@link StateMachineLog#checkpoint()}: {@link
 * IllegalStateException}, nothing written): a checkpoint's chunks are being written at the end of
 * the log, and {@code apply} must be a function of the state and the record alone, since the next
 * open replays it (a write from it would be made again) and a roll inside it would checkpoint a
 * state whose apply is half done. Append derived records after the append that applied the record
 * has returned.
 */
public interface StateMachine {

  /**
   * Applies one record, the next in index order. An exception fences the log: the state no longer
   * follows it, and reopening replays.
   */
  void apply(Record record);

  /**
   * Writes the whole state to {@code out}, streamed: the log cuts it into chunk frames as it comes
   * and never holds more than one chunk, so a checkpoint may be far larger than a record. Do not
   * close {@code out}. An exception leaves an incomplete checkpoint, which readers ignore.
   */
  void checkpoint(OutputStream out) throws IOException;

  /**
   * Replaces the whole state with the checkpoint read from {@code in} (streamed, verified chunk by
   * chunk). Called at most once per open, on a fresh state machine, before any {@link #apply}.
   */
  void restore(InputStream in) throws IOException;
}
