package io.seglog.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * An open file. Positional reads are thread-safe and may run concurrently with one writer.
 * Positional writes, force and truncate are called by one thread at a time.
 */
public interface FileHandle extends Closeable {

  /** Reads up to {@code dst.remaining()} bytes at {@code position}; -1 at end of file. */
  int read(ByteBuffer dst, long position) throws IOException;

  /** Writes up to {@code src.remaining()} bytes at {@code position}; may write fewer. */
  int write(ByteBuffer src, long position) throws IOException;

  /** Fsyncs the file's data (fdatasync): written bytes become durable. */
  void force() throws IOException;

  void truncate(long size) throws IOException;

  long size() throws IOException;

  /**
   * Maps the file's bytes {@code [0, size)} read-only, or returns null when this handle cannot (a
   * file in memory, a wrapper that must see every read). The mapping stays valid after this handle
   * closes; reading it where the file has since shrunk faults (SIGBUS), so the caller must keep the
   * file from shrinking while it reads the mapping.
   *
   * @throws IOException if mapping fails
   */
  default MappedByteBuffer mapReadOnly(long size) throws IOException {
    return null;
  }

  /** Reads exactly {@code dst.remaining()} bytes at {@code position}, or throws at end of file. */
  default void readFully(ByteBuffer dst, long position) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int n = read(dst, pos);
      if (n < 0) {
        throw new java.io.EOFException("end of file at byte " + pos);
      }
      pos += n;
    }
  }

  /** Writes all of {@code src.remaining()} bytes at {@code position}, looping over short writes. */
  default void writeFully(ByteBuffer src, long position) throws IOException {
    long pos = position;
    while (src.hasRemaining()) {
      pos += write(src, pos);
    }
  }
}
