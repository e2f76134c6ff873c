package io.seglog.bench.peer.systems;

import io.seglog.bench.peer.Durability;
import io.seglog.bench.peer.PeerLog;
import io.seglog.bench.peer.PeerSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The practical limit: the least a checksummed log can do. One file of {@code
 * [len][crc32c][payload]} frames written through a 1 MiB direct buffer with {@link
 * FileChannel#write}, and {@code FileChannel.force(false)} (fdatasync) per sync. Random reads use
 * an in-memory table of frame offsets (one long per record) and one positional read per record;
 * both read paths verify the CRC.
 *
 * <p>Frame layout (little-endian is irrelevant here: big-endian, ByteBuffer's default):
 *
 * <pre>
 *   0      4        8
 *   +------+--------+--------------+
 *   | len  | crc32c | payload[len] |
 *   +------+--------+--------------+
 * </pre>
 */
public final class BaselinePeer implements PeerSystem {
  static final int HEADER = 8;
  static final int BUFFER = 1 << 20;

  @Override
  public String name() {
    return "baseline";
  }

  @Override
  public String description() {
    return "naive FileChannel: [len][crc32c][payload] frames via a 1 MiB buffer, force(false) per"
        + " sync";
  }

  @Override
  public PeerLog open(Path dir, Durability durability, int recordBytes) throws IOException {
    return new Log(dir.resolve("log.bin"), durability == Durability.EACH_RECORD);
  }

  private static final class Log implements PeerLog {
    private final FileChannel channel;
    private final boolean syncEach;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER);
    private final CRC32C crc = new CRC32C();
    private long filePosition; // bytes written to the channel
    private long[] offsets = new long[1 << 16];
    private long count;

    Log(Path file, boolean syncEach) throws IOException {
      this.channel =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      this.syncEach = syncEach;
    }

    @Override
    public void append(byte[] payload) throws IOException {
      int frame = HEADER + payload.length;
      if (buffer.remaining() < frame) {
        drain();
      }
      if (count == offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[(int) count++] = filePosition + buffer.position();
      crc.reset();
      crc.update(payload, 0, payload.length);
      buffer.putInt(payload.length).putInt((int) crc.getValue()).put(payload);
      if (syncEach) {
        sync();
      }
    }

    private void drain() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) {
        filePosition += channel.write(buffer, filePosition);
      }
      buffer.clear();
    }

    @Override
    public void sync() throws IOException {
      drain();
      channel.force(false);
    }

    @Override
    public long readSequential(long n) throws IOException {
      drain();
      long digest = 0;
      long pos = 0;
      long read = 0;
      readBuffer.clear().limit(0);
      while (read < n) {
        if (readBuffer.remaining() < HEADER
            || readBuffer.remaining() < HEADER + readBuffer.getInt(readBuffer.position())) {
          readBuffer.compact();
          int r = channel.read(readBuffer, pos);
          if (r <= 0) {
            throw new IOException("baseline log ends after " + read + " of " + n + " records");
          }
          pos += r;
          readBuffer.flip();
          continue;
        }
        digest += frame(readBuffer);
        read++;
      }
      return digest;
    }

    /** Verifies the frame at the buffer's position, moves past it, and returns its digest. */
    private long frame(ByteBuffer b) throws IOException {
      int len = b.getInt();
      int expected = b.getInt();
      int start = b.position();
      int limit = b.limit();
      b.limit(start + len);
      crc.reset();
      crc.update(b);
      b.limit(limit);
      if ((int) crc.getValue() != expected) {
        throw new IOException("baseline frame of " + len + " bytes has a bad CRC");
      }
      return PeerLog.digest(len, b.get(start));
    }

    @Override
    public long readAt(long ordinal) throws IOException {
      // One positional read of the whole frame: its end is the next frame's start.
      long offset = offsets[(int) ordinal];
      long end = ordinal + 1 < count ? offsets[(int) ordinal + 1] : filePosition;
      readBuffer.clear().limit((int) (end - offset));
      readFully(offset);
      int len = readBuffer.getInt();
      int expected = readBuffer.getInt();
      crc.reset();
      crc.update(readBuffer);
      if ((int) crc.getValue() != expected) {
        throw new IOException("baseline record " + ordinal + " bad CRC at offset " + offset);
      }
      return PeerLog.digest(len, readBuffer.get(HEADER));
    }

    private void readFully(long position) throws IOException {
      long p = position;
      while (readBuffer.hasRemaining()) {
        int r = channel.read(readBuffer, p);
        if (r < 0) {
          throw new IOException("baseline log ends at " + p);
        }
        p += r;
      }
      readBuffer.flip();
    }

    @Override
    public void close() throws IOException {
      drain();
      channel.close();
    }
  }
}
