package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.FileHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TailBuffer} under a writer that reuses a 512-byte buffer every few frames while readers
 * read the newest published bytes, which are mostly in the buffer: every byte read must be the one
 * published at its offset, never one of a later frame overwriting the buffer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TailBufferTest {
  private static final int FILE_BYTES = 24 << 20;

  static byte expected(long position) {
    return (byte) (position * 31 + (position >>> 9) + 7);
  }

  /** An in-memory file: written by the writer, read below what the buffer says it holds. */
  static final class MemoryFile implements FileHandle {
    final byte[] bytes;

    MemoryFile() {
      this(FILE_BYTES);
    }

    MemoryFile(int size) {
      bytes = new byte[size];
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      int n = dst.remaining();
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

  @Test
  void readersNeverSeeBytesOfALaterFrameWhileTheBufferIsReused() throws Exception {
    MemoryFile file = new MemoryFile();
    long base = 128;
    TailBuffer tail =
        new TailBuffer(file, new WriteBufferMemory(512), base, (bytes, position) -> {});
    java.util.concurrent.atomic.AtomicLong published =
        new java.util.concurrent.atomic.AtomicLong(base);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Long>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        long seed = r;
        readers.add(
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(seed);
                  ByteBuffer dst = ByteBuffer.allocate(256);
                  long checked = 0;
                  long limit = FILE_BYTES - 4096;
                  long pub;
                  while ((pub = published.get()) < limit) {
                    long from = Math.max(base, pub - 1 - rnd.nextInt(700));
                    int length = (int) Math.min(1 + rnd.nextInt(256), pub - from);
                    dst.clear().limit(length);
                    tail.readView().readFully(dst, from);
                    for (int i = 0; i < length; i++) {
                      if (dst.get(i) != expected(from + i)) {
                        throw new AssertionError(
                            "byte at " + (from + i) + " is not the one published there");
                      }
                    }
                    checked++;
                  }
                  return checked;
                }));
      }
      SplittableRandom rnd = new SplittableRandom(42);
      ByteBuffer frame = ByteBuffer.allocateDirect(1024);
      long position = base;
      while (position < FILE_BYTES - 2048) {
        int length = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 700 : 120);
        frame.clear().limit(length);
        for (int i = 0; i < length; i++) {
          frame.put(i, expected(position + i));
        }
        tail.append(frame, position);
        position += length;
        published.set(position); // the segment's size, published after the frame is stored
      }
      published.set(FILE_BYTES);
      for (Future<Long> f : readers) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
