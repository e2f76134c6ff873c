package io.seglog;

import java.nio.ByteBuffer;

/**
 * A record seen in place, without copying: what {@link LogReader#nextView()} and {@link
 * Tailer#pollView} return, so a consumer that reads millions of records allocates nothing per
 * record.
 *
 * <p><b>Valid until the next call</b> on the reader or tailer that returned it (any {@code next},
 * {@code poll} or {@code close}): after that the same object describes another record, and the
 * bytes its {@link #payload()} buffer showed are overwritten. Copy what must outlive the call
 * ({@link #copyPayloadTo}, {@link #toRecord()}). Not thread-safe: use it on the thread that read
 * it.
 */
public interface RecordView {
  /** The record's position in the log. */
  long index();

  /** Epoch millis, given at append or assigned by the log's clock. */
  long timestamp();

  /** The user type, 0..65535. */
  int type();

  /** Number of payload bytes. */
  int size();

  /**
   * The payload as a read-only buffer positioned at its first byte, limited after its last. The
   * same buffer object is returned on every call (repositioned), so calling it allocates nothing.
   */
  ByteBuffer payload();

  /**
   * Copies the payload into {@code dst} at its position and advances it.
   *
   * @throws java.nio.BufferOverflowException if {@code dst} has fewer than {@link #size()} bytes
   *     remaining; then nothing is copied
   */
  default void copyPayloadTo(ByteBuffer dst) {
    dst.put(payload());
  }

  /** An immutable copy that outlives the view. Allocates. */
  default Record toRecord() {
    ByteBuffer p = payload();
    ByteBuffer copy = ByteBuffer.allocate(p.remaining()).put(p).flip();
    return new Record(index(), timestamp(), type(), copy);
  }
}
