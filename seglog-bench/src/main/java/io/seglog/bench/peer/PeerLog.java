package io.seglog.bench.peer;

import java.io.IOException;

/**
 * One system under test, opened on one empty directory: the small adapter every peer implements.
 * Not thread-safe: the runner drives it from one thread.
 *
 * <p>Records are numbered by ordinal, 0 for the first appended, whatever index scheme the system
 * uses underneath. Every method may throw anything: the runner reports the failure in its table
 * instead of dropping the system.
 */
public interface PeerLog extends AutoCloseable {

  /**
   * Appends one record. When opened with {@link Durability#EACH_RECORD} the record is durable when
   * this returns.
   */
  void append(byte[] payload) throws Exception;

  /**
   * Appends {@code count} copies of {@code payload}, as one batch where the system has batches. The
   * default appends them one by one.
   */
  default void appendBatch(byte[] payload, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      append(payload);
    }
  }

  /** Makes every record appended so far durable (fdatasync, fsync or msync, as the system does). */
  void sync() throws Exception;

  /**
   * Reads records {@code 0..count-1} in order, the way the system streams them.
   *
   * @return a checksum of what was read (payload sizes and first bytes), so reads are not elided
   */
  long readSequential(long count) throws Exception;

  /** Whether {@link #readAt(long)} is supported. */
  default boolean supportsRandomRead() {
    return true;
  }

  /**
   * Reads the record with this ordinal.
   *
   * @return a checksum of what was read (payload size and first byte)
   * @throws UnsupportedOperationException if the system has no read by index
   */
  long readAt(long ordinal) throws Exception;

  @Override
  void close() throws IOException;

  /** A small digest of one payload, to keep the JIT from eliding reads. */
  static long digest(int size, byte firstByte) {
    return size * 31L + firstByte;
  }
}
