package io.seglog.internal.segment;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ReadOnlyFileHandle;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The user-space write buffer of an active segment: frames are copied here and reach the file in
 * one write when the buffer is full or the log flushes it (before every fsync, on roll and close).
 *
 * <pre>
 *   file:   [ header | frames written to the file ... )[ frames in the buffer ... )
 *                                                      ^ start                  ^ start + used
 * </pre>
 *
 * <p>Design note. Readers must see every published frame, also one still in the buffer, without
 * taking the writer's lock. The buffer is reused after each flush, so a reader copying from it may
 * race with the writer overwriting it. {@code start} (volatile, strictly increasing) is the file
 * offset of the buffer's first byte, and works as a sequence number: the writer writes the buffer
 * to the file, then advances {@code start} with a full fence, and only then overwrites the buffer.
 * A reader reads {@code start}, serves bytes below it from the file (where they are, since the
 * write completed before {@code start} moved), copies bytes at or above it from the buffer, then
 * re-reads {@code start} after a load fence: unchanged means the copy was not overwritten (the
 * bytes it read are those published for that range); changed means they may have been, and it
 * retries, now from the file. Readers only read below the segment's published size, which the
 * writer publishes after the frame is in the buffer.
 *
 * <p>Detached (after the segment is sealed, or when the log stops buffering), {@code start} is
 * {@link Long#MAX_VALUE}: every read goes to the file.
 *
 * <p>An open frame (single appends packed into one frame, see {@code SegmentedLog}): the writer may
 * fill {@code [used, used + pending)} with the records of a frame it has not sealed yet, and says
 * so with {@link #pending}. Those bytes are not published and not part of the buffer: until {@link
 * #commit} takes exactly them, every {@link #flush}, {@link #detach} and {@link #append} throws
 * {@link IllegalStateException}, since it would drop them or write over them.
 *
 * <p>Memory ownership. The buffer is the log's one {@link WriteBufferMemory}, reused by the
 * TailBuffer of the next segment after a roll, and by a new TailBuffer of the same segment after a
 * streamed record or a cut, so the same sequence-number argument must hold across owners: the new
 * owner overwrites bytes that a reader of this TailBuffer may still be copying. At most one
 * attached TailBuffer owns the memory. The constructor claims it, and throws {@link
 * IllegalStateException} while an attached TailBuffer still owns it; only {@link #detach} gives it
 * up, after it wrote the buffered bytes to the file and moved {@code start} to {@link
 * Long#MAX_VALUE} with a full fence. A reader of the old TailBuffer whose copy raced with the new
 * owner's writes therefore re-reads a changed {@code start} and retries from the file, where every
 * byte it may read is. A detach whose write fails keeps the memory (and the bytes readers read from
 * it); the log is fenced then and starts no other TailBuffer.
 *
 * <p>Threading: one writer thread (the log's, holding its append lock) calls {@link #append},
 * {@link #commit}, {@link #pending}, {@link #flush} and {@link #detach} (and writes into {@link
 * #writeBuffer()} past {@link #used()}); any number of threads call {@link #read} concurrently.
 */
public final class TailBuffer {
  /** Told of the bytes each write put in the file (the segment's digest). */
  @FunctionalInterface
  public interface WriteListener {
    void written(ByteBuffer bytes, long position);
  }

  private final FileHandle file;
  private final WriteListener listener;
  private final WriteBufferMemory memory;
  private final ByteBuffer buffer; // memory's, owned by this TailBuffer until detached
  private final FileHandle readView = new ReadView();
  private volatile long start; // file offset of buffer[0]; Long.MAX_VALUE once detached
  private int used; // @GuardedBy(writer)
  private int pending; // @GuardedBy(writer): bytes of an open frame at [used, used + pending)

  /**
   * A TailBuffer writing into {@code memory}, which it owns until {@link #detach}.
   *
   * @param file the segment's file, written by {@link #flush}
   * @param memory the buffer, of its capacity; no attached TailBuffer may own it now
   * @param position the file offset of the next byte to append (the segment's size)
   * @param listener told of the bytes of every write, after it succeeded, in file order
   * @throws IllegalStateException if an attached TailBuffer still owns {@code memory}
   */
  public TailBuffer(
      FileHandle file, WriteBufferMemory memory, long position, WriteListener listener) {
    this.file = file;
    this.listener = listener;
    this.start = position;
    this.memory = memory;
    this.buffer = memory.claim(this);
  }

  /** The file offset up to which the file holds everything appended. */
  public long flushedEnd() {
    return start;
  }

  /**
   * Appends {@code frame} (position to limit; consumed) at file offset {@code position}, which must
   * be {@link #flushedEnd()} + {@link #buffered()}. A frame larger than the buffer is written
   * straight to the file after the buffered bytes.
   *
   * @throws IOException if a flush or a direct write fails; then the buffer keeps its bytes
   */
  public void append(ByteBuffer frame, long position) throws IOException {
    int length = frame.remaining();
    checkNothingPending("append");
    if (position != start + used) {
      throw new IllegalStateException(
          "append at " + position + ", but the buffer ends at " + (start + used));
    }
    if (length > buffer.capacity() - used) {
      flush();
    }
    if (length > buffer.capacity()) {
      ByteBuffer bytes = frame.duplicate();
      file.writeFully(frame, position);
      listener.written(bytes, position);
      advance(position + length);
      return;
    }
    buffer.put(used, frame, frame.position(), length);
    frame.position(frame.limit());
    used += length;
  }

  /** Bytes the buffer can take before it must be flushed. */
  public int room() {
    return buffer.capacity() - used;
  }

  /** Bytes buffered, not yet in the file: the next frame goes at buffer offset {@code used()}. */
  public int used() {
    return used;
  }

  /** The buffer's capacity: a larger frame is written straight to the file. */
  public int capacity() {
    return buffer.capacity();
  }

  /**
   * The buffer itself, for a frame encoded in place at offset {@link #used()} (at most {@link
   * #room()} bytes) and then committed with {@link #commit}. Bytes at or above {@code used()} are
   * never read by readers (they read only published bytes), so the writer may fill them freely.
   */
  public ByteBuffer writeBuffer() {
    return buffer;
  }

  /**
   * Takes the {@code length} bytes the writer encoded at offset {@link #used()} of {@link
   * #writeBuffer()} as appended, as {@link #append} of the same bytes would.
   */
  public void commit(int length) {
    if (length < 0 || length > room()) {
      throw new IllegalArgumentException(
          "commit of " + length + " bytes, but the buffer has room for " + room());
    }
    if (pending != 0 && length != pending) {
      throw new IllegalStateException(
          "commit of " + length + " bytes, but an open frame of " + pending + " is pending");
    }
    pending = 0;
    used += length;
  }

  /**
   * Says that {@code [used(), used() + bytes)} of {@link #writeBuffer()} holds an open frame the
   * writer will {@link #commit}; 0 when none. Until then nothing may be flushed or appended.
   */
  public void pending(int bytes) {
    if (bytes < 0 || bytes > room()) {
      throw new IllegalArgumentException(
          "open frame of " + bytes + " bytes, but the buffer has room for " + room());
    }
    pending = bytes;
  }

  private void checkNothingPending(String what) {
    if (pending != 0) {
      throw new IllegalStateException(
          what + " with an open frame of " + pending + " bytes not committed");
    }
  }

  /**
   * Writes the buffered bytes to the file (no fsync).
   *
   * @throws IOException if the write fails; the bytes stay buffered (part of them may have reached
   *     the file) and readers keep reading them from the buffer
   */
  public void flush() throws IOException {
    checkNothingPending("flush");
    if (used == 0) {
      return;
    }
    long at = start;
    file.writeFully(buffer.duplicate().position(0).limit(used), at);
    listener.written(buffer.duplicate().position(0).limit(used), at);
    advance(at + used);
  }

  /**
   * Flushes, then sends every later read to the file and gives the memory up: from here another
   * TailBuffer may claim and overwrite it (see the class note).
   *
   * @throws IOException if the flush fails; then the buffer stays attached and keeps its memory
   */
  public void detach() throws IOException {
    flush();
    advance(Long.MAX_VALUE); // with the full fence: before any write of the memory's next owner
    memory.release(this);
  }

  /** Moves {@code start} past bytes now in the file; the buffer may be overwritten after this. */
  private void advance(long newStart) {
    start = newStart;
    used = 0;
    // The buffer's next writes must not become visible before the new start: a reader that sees
    // them then also sees start moved, and retries from the file.
    VarHandle.fullFence();
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code position}, from the file or the buffer, as
   * {@link FileHandle#read} does. The caller reads only bytes it knows are published.
   */
  public int read(ByteBuffer dst, long position) throws IOException {
    while (true) {
      long s = start;
      if (position < s) {
        int n = (int) Math.min(dst.remaining(), s - position);
        int limit = dst.limit();
        dst.limit(dst.position() + n);
        try {
          return file.read(dst, position);
        } finally {
          dst.limit(limit);
        }
      }
      long offset = position - s;
      int n = (int) Math.min(dst.remaining(), buffer.capacity() - offset);
      if (n <= 0 && dst.hasRemaining()) {
        Thread.onSpinWait(); // start was read before the flush that made this range published
        continue;
      }
      dst.put(dst.position(), buffer, (int) offset, n);
      VarHandle.acquireFence(); // the copy above happens before the re-read of start
      if (start == s) {
        dst.position(dst.position() + n);
        return n;
      }
    }
  }

  /** A read-only view of the segment's file that reads through this buffer. */
  public FileHandle readView() {
    return readView;
  }

  private final class ReadView extends ReadOnlyFileHandle {
    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return TailBuffer.this.read(dst, position);
    }

    @Override
    public long size() throws IOException {
      return Math.max(file.size(), start == Long.MAX_VALUE ? 0 : start + used);
    }

    @Override
    protected String describe() {
      return "the write buffer's view of a segment"; // the segment closes its file
    }
  }
}
