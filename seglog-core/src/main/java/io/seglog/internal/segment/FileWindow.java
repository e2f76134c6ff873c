package io.seglog.internal.segment;

import io.seglog.internal.io.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A sliding window over a file for sequential scans: {@link #ensure} makes a byte range addressable
 * in {@link #buffer()}, reading ahead in large chunks. Not thread-safe.
 */
public final class FileWindow {
  private static final int CHUNK = 1 << 20;

  private final FileHandle file;
  private final long fileSize;
  private ByteBuffer buffer = ByteBuffer.allocate(0);
  private long start;

  public FileWindow(FileHandle file, long fileSize) {
    this.file = file;
    this.fileSize = fileSize;
  }

  public long fileSize() {
    return fileSize;
  }

  /**
   * Makes {@code [position, position + length)} available; returns the buffer offset of {@code
   * position}. The caller checks that the range lies inside the file first.
   */
  public int ensure(long position, int length) throws IOException {
    if (position >= start && position + length <= start + buffer.limit()) {
      return (int) (position - start);
    }
    int want = (int) Math.min(Math.max(length, CHUNK), fileSize - position);
    if (buffer.capacity() < want) {
      buffer = ByteBuffer.allocate(Math.max(want, Math.min(CHUNK, Integer.MAX_VALUE)));
    }
    buffer.clear().limit(want);
    file.readFully(buffer, position);
    buffer.flip();
    start = position;
    return 0;
  }

  public ByteBuffer buffer() {
    return buffer;
  }
}
