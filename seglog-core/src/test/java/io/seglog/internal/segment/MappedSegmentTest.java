package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.MemoryFileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate and lifecycle of one mapping: copies, release, revoke, and what does not map. */
class MappedSegmentTest {
  @TempDir Path dir;

  private byte[] bytes;
  private Path file;

  private FileHandle writeFile(int length, long seed) throws IOException {
    bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    file = dir.resolve("seg-" + seed);
    Files.write(file, bytes);
    return NioFileIO.INSTANCE.open(file, FileIO.Mode.READ);
  }

  @Test
  void readsInsideTheGateCopyTheFileBytes() throws IOException {
    try (FileHandle h = writeFile(3 * 4096 + 17, 1)) {
      MappedSegment m = MappedSegment.map(file, h, bytes.length);
      assertThat(m).isNotNull();
      assertThat(m.length()).isEqualTo(bytes.length);
      SplittableRandom rnd = new SplittableRandom(11);
      for (int i = 0; i < 200; i++) {
        int at = rnd.nextInt(bytes.length);
        int len = rnd.nextInt(Math.min(5000, bytes.length - at) + 1);
        ByteBuffer heap = ByteBuffer.allocate(len + 3).position(3);
        ByteBuffer direct = ByteBuffer.allocateDirect(len);
        assertThat(m.tryEnter()).isTrue();
        try {
          m.reads().readFully(heap, at);
          m.reads().readFully(direct, at);
        } finally {
          m.exit();
        }
        byte[] want = java.util.Arrays.copyOfRange(bytes, at, at + len);
        assertThat(java.util.Arrays.copyOfRange(heap.array(), 3, 3 + len)).isEqualTo(want);
        byte[] got = new byte[len];
        direct.flip().get(got);
        assertThat(got).isEqualTo(want);
      }
      assertThat(m.tryEnter()).isTrue();
      try {
        ByteBuffer past = ByteBuffer.allocate(10);
        assertThat(m.reads().read(past, bytes.length)).isEqualTo(-1);
        assertThat(m.reads().read(past, bytes.length - 4)).isEqualTo(4); // a short read at the end
        assertThatThrownBy(() -> m.reads().write(ByteBuffer.allocate(1), 0))
            .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.reads().truncate(0))
            .isInstanceOf(UnsupportedOperationException.class);
      } finally {
        m.exit();
      }
      m.release();
    }
  }

  @Test
  void aReleaseWithNoCopyInFlightUnmapsAtOnceAndClosesTheGate() throws IOException {
    try (FileHandle h = writeFile(4096, 2)) {
      MappedSegment m = MappedSegment.map(file, h, bytes.length);
      m.release();
      assertThat(m.isReleased()).isTrue();
      assertThat(m.isUnmapped()).isTrue();
      assertThat(m.tryEnter()).isFalse();
      m.release(); // idempotent
      m.revoke(); // returns: nothing in flight
      assertThat(m.tryEnter()).isFalse();
    }
  }

  @Test
  void aReleaseLeavesTheMappingToTheCopiesInFlightAndTheLastOneUnmaps() throws IOException {
    try (FileHandle h = writeFile(8192, 3)) {
      MappedSegment m = MappedSegment.map(file, h, bytes.length);
      assertThat(m.tryEnter()).isTrue();
      assertThat(m.tryEnter()).isTrue();
      m.release();
      assertThat(m.tryEnter()).as("no copy starts after the release").isFalse();
      assertThat(m.isUnmapped()).isFalse();
      ByteBuffer b = ByteBuffer.allocate(100);
      m.reads().readFully(b, 8000); // still readable by a copy that entered before
      assertThat(b.array()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 8000, 8100));
      m.exit();
      assertThat(m.isUnmapped()).isFalse();
      m.exit();
      assertThat(m.isUnmapped()).isTrue();
    }
  }

  @Test
  void revokeWaitsForTheCopiesInFlight() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (FileHandle h = writeFile(4096, 4)) {
      MappedSegment m = MappedSegment.map(file, h, bytes.length);
      assertThat(m.tryEnter()).isTrue();
      boolean exited = false;
      try {
        CountDownLatch started = new CountDownLatch(1);
        Future<?> revoke =
            pool.submit(
                () -> {
                  started.countDown();
                  m.revoke();
                });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        // The revoker cannot return while our copy is in flight; wait until it has released.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!m.isReleased() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        assertThat(m.isReleased()).isTrue();
        assertThat(revoke.isDone()).isFalse();
        assertThat(m.isUnmapped()).isFalse();
        m.exit();
        exited = true;
        revoke.get(30, TimeUnit.SECONDS);
        assertThat(m.isUnmapped()).isTrue();
      } finally {
        if (!exited) {
          m.exit(); // else the revoker would spin on after a failed assertion
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentCopiesAndARevokeNeverReadAReleasedMapping() throws Exception {
    // Seeded, bounded: readers enter, copy and check; the revoke lands among them. A copy that
    // entered always finds the mapping (an unmapped one would throw, or crash the JVM).
    for (long seed = 1; seed <= 20; seed++) {
      try (FileHandle h = writeFile(16384, seed)) {
        MappedSegment m = MappedSegment.map(file, h, bytes.length);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
          CompletableFuture<?>[] readers = new CompletableFuture<?>[2];
          for (int t = 0; t < 2; t++) {
            SplittableRandom rnd = new SplittableRandom(seed * 10 + t);
            readers[t] =
                CompletableFuture.runAsync(
                    () -> {
                      ByteBuffer b = ByteBuffer.allocate(64);
                      for (int i = 0; i < 20_000 && m.tryEnter(); i++) {
                        try {
                          int at = rnd.nextInt(bytes.length - 64);
                          b.clear();
                          m.reads().readFully(b, at);
                          if (b.get(0) != bytes[at] || b.get(63) != bytes[at + 63]) {
                            throw new AssertionError("wrong bytes at " + at);
                          }
                        } catch (IOException e) {
                          throw new AssertionError(e);
                        } finally {
                          m.exit();
                        }
                      }
                    },
                    pool);
          }
          for (int i = 0; i < new SplittableRandom(seed).nextInt(2000); i++) {
            Thread.onSpinWait();
          }
          m.revoke();
          assertThat(m.isUnmapped()).isTrue();
          CompletableFuture.allOf(readers).get(60, TimeUnit.SECONDS);
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  @Test
  void handlesThatCannotMapGiveNoMapping() throws IOException {
    MemoryFileIO memory = new MemoryFileIO();
    Path p = Path.of("/m/seg");
    memory.createDirectories(p.getParent());
    try (FileHandle h = memory.open(p, FileIO.Mode.CREATE_NEW)) {
      h.writeFully(ByteBuffer.allocate(4096), 0);
      assertThat(MappedSegment.map(p, h, 4096)).isNull();
    }
    try (FileHandle raw = writeFile(4096, 5);
        FileHandle wrapped = new ForwardingFileIO.ForwardingHandle(raw)) {
      assertThat(MappedSegment.map(file, wrapped, 4096)).as("a wrapper sees every read").isNull();
      assertThat(MappedSegment.map(file, raw, 0)).isNull();
    }
  }
}
