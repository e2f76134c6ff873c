package io.seglog.internal.format;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C over byte ranges, the one checksum of format v1. */
public final class Checksums {
  private Checksums() {}

  /** CRC32C of {@code buffer[from, to)}; the buffer's position and limit are unchanged. */
  public static int crc32c(ByteBuffer buffer, int from, int to) {
    CRC32C crc = new CRC32C();
    if (buffer.hasArray()) { // readers' buffers: no duplicate per frame
      crc.update(buffer.array(), buffer.arrayOffset() + from, to - from);
      return (int) crc.getValue();
    }
    ByteBuffer slice = buffer.duplicate();
    slice.limit(to).position(from);
    crc.update(slice);
    return (int) crc.getValue();
  }
}
