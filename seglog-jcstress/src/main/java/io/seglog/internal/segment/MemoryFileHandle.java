package io.seglog.internal.segment;

import io.seglog.internal.io.FileHandle;
import java.nio.ByteBuffer;

/**
 * A file in a plain byte array, with no synchronization of its own: the only ordering between a
 * writer's bytes and a reader's read is what seglog's publication provides, which is what the
 * jcstress tests check. (A real file goes through the kernel, which would hide a missing barrier.)
 */
final class MemoryFileHandle implements FileHandle {
  private final byte[] bytes;

  MemoryFileHandle(int capacity) {
    this.bytes = new byte[capacity];
  }

  @Override
  public int read(ByteBuffer dst, long position) {
    int n = Math.min(dst.remaining(), bytes.length - (int) position);
    if (n <= 0) {
      return -1;
    }
    dst.put(bytes, (int) position, n);
    return n;
  }

  @Override
  public int write(ByteBuffer src, long position) {
    int n = src.remaining();
    src.get(bytes, (int) position, n);
    return n;
  }

  @Override
  public void force() {}

  @Override
  public void truncate(long size) {}

  @Override
  public long size() {
    return bytes.length;
  }

  @Override
  public void close() {}
}
