package io.seglog.internal.segment;

import java.nio.ByteBuffer;

/**
 * The direct memory of a log's write buffer: allocated once, on first use, and handed from one
 * {@link TailBuffer} to the next (the next segment's after a roll, the same segment's again after a
 * streamed record or a cut), instead of one allocation per {@code TailBuffer}. Direct memory goes
 * back to the system only when a GC runs a buffer's cleaner, so a log with small segments or many
 * streamed records would otherwise churn it (and, under a low {@code -XX:MaxDirectMemorySize},
 * force {@code System.gc()} calls or fail with "Direct buffer memory").
 *
 * <p>Design note. Readers copy from a {@code TailBuffer} without locks and validate the copy by its
 * {@code start} (see {@link TailBuffer}'s design note), so the memory may pass to a new owner only
 * once the old one can no longer be read from it: at most one attached {@code TailBuffer} owns it.
 * The {@code TailBuffer} constructor claims it ({@link #claim}), which throws {@link
 * IllegalStateException} while an attached one still owns it; only {@link TailBuffer#detach()}
 * gives it up ({@link #release}), after it wrote every buffered byte to the file and moved its
 * {@code start} to {@link Long#MAX_VALUE} with a full fence. A reader still copying in the old
 * {@code TailBuffer}'s {@code read} when the new owner overwrites the memory then re-reads a
 * changed {@code start} and retries from the file, which holds those bytes. A detach whose write
 * fails keeps the memory (its bytes stay readable from it; the log is fenced and buffers no more).
 *
 * <p>Nothing frees the memory explicitly: a reader may still be copying from it after the log's
 * last use. The log drops its reference at close, and the buffer goes with its last reader.
 *
 * <p>Threading: the log's writer thread (holding its append lock, or before the log is shared)
 * calls everything; readers only ever see the buffer through the {@code TailBuffer} that owned it.
 */
public final class WriteBufferMemory {
  private final int capacity;
  private ByteBuffer buffer; // @GuardedBy(writer) null until first claimed
  private TailBuffer owner; // @GuardedBy(writer) the attached TailBuffer writing into it, or null

  /**
   * @param capacity the buffer's size in bytes, allocated on the first {@link #claim}
   */
  public WriteBufferMemory(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("write buffer capacity " + capacity + " is not positive");
    }
    this.capacity = capacity;
  }

  public int capacity() {
    return capacity;
  }

  /** Direct buffers allocated so far: 0 before the first claim, then 1 (for tests). */
  public int allocations() {
    return buffer == null ? 0 : 1;
  }

  /**
   * Makes {@code newOwner} the owner and returns the memory for it to write into (its own view:
   * position 0, limit its capacity); whatever a previous owner left in it is stale.
   *
   * @throws IllegalStateException if an attached {@code TailBuffer} still owns the memory
   */
  ByteBuffer claim(TailBuffer newOwner) {
    if (owner != null) {
      throw new IllegalStateException(
          "the write buffer is still owned by an attached TailBuffer (starting at "
              + owner.flushedEnd()
              + "): it must be detached before another one writes into it");
    }
    if (buffer == null) {
      buffer = ByteBuffer.allocateDirect(capacity);
    }
    owner = newOwner;
    return buffer.duplicate().clear();
  }

  /**
   * {@code oldOwner} no longer reads from or writes to the memory: called by {@link
   * TailBuffer#detach()} after it moved its {@code start} past everything with a full fence.
   */
  void release(TailBuffer oldOwner) {
    if (owner == oldOwner) {
      owner = null;
    }
  }
}
