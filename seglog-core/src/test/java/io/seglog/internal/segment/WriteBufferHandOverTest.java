package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@link WriteBufferMemory} handed from one {@link TailBuffer} to the next, as the log hands it
 * from a sealed segment to the next one: a reader still in the old TailBuffer must never return
 * bytes the new owner wrote into the memory; and the memory is never claimed while an attached
 * TailBuffer owns it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WriteBufferHandOverTest {
  private static final long BASE = 128; // a segment's header, never in the buffer
  private static final int SEGMENT_BYTES = 16 << 10;
  private static final int SEGMENTS = 2000;

  /** The byte published at {@code position} of segment {@code segment}: differs per segment. */
  static byte expected(int segment, long position) {
    return (byte) (position * 31 + (position >>> 9) + segment * 101 + 7);
  }

  /** An in-memory segment file. */
  static TailBufferTest.MemoryFile smallFile() {
    return new TailBufferTest.MemoryFile(SEGMENT_BYTES + 4096);
  }

  /** Appends the bytes of {@code segment} at {@code [from, to)}, as one frame. */
  private static void appendFrame(TailBuffer tail, ByteBuffer frame, int segment, long from, int n)
      throws Exception {
    frame.clear().limit(n);
    for (int i = 0; i < n; i++) {
      frame.put(i, expected(segment, from + i));
    }
    tail.append(frame, from);
  }

  private static void assertReads(TailBuffer tail, int segment, long from, int length)
      throws Exception {
    ByteBuffer dst = ByteBuffer.allocate(length);
    tail.readView().readFully(dst, from);
    for (int i = 0; i < length; i++) {
      if (dst.get(i) != expected(segment, from + i)) {
        throw new AssertionError(
            "byte at " + (from + i) + " of segment " + segment + " is not the one published there");
      }
    }
  }

  @Test
  void theMemoryIsAllocatedOnceAndNeverClaimedWhileAnAttachedTailBufferOwnsIt() throws Exception {
    WriteBufferMemory memory = new WriteBufferMemory(512);
    assertThat(memory.allocations()).isZero();
    TailBufferTest.MemoryFile first = smallFile();
    TailBuffer a = new TailBuffer(first, memory, BASE, (bytes, position) -> {});
    ByteBuffer frame = ByteBuffer.allocate(512);
    appendFrame(a, frame, 0, BASE, 100);
    assertThatThrownBy(() -> new TailBuffer(smallFile(), memory, BASE, (b, p) -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("still owned");
    a.flush(); // flushed but attached: still the owner
    assertThatThrownBy(() -> new TailBuffer(smallFile(), memory, BASE, (b, p) -> {}))
        .isInstanceOf(IllegalStateException.class);
    a.detach();
    TailBuffer b = new TailBuffer(smallFile(), memory, BASE, (bytes, position) -> {});
    b.detach();
    TailBuffer again = new TailBuffer(first, memory, BASE + 100, (bytes, position) -> {});
    assertThat(again.capacity()).isEqualTo(512);
    assertThat(memory.allocations()).isEqualTo(1);
  }

  @Test
  void aReaderOfADetachedTailBufferReadsItsFileAfterTheNextOwnerOverwroteTheMemory()
      throws Exception {
    WriteBufferMemory memory = new WriteBufferMemory(512);
    ByteBuffer frame = ByteBuffer.allocate(512);
    TailBuffer a = new TailBuffer(smallFile(), memory, BASE, (bytes, position) -> {});
    appendFrame(a, frame, 0, BASE, 300);
    a.detach();
    TailBuffer b = new TailBuffer(smallFile(), memory, BASE, (bytes, position) -> {});
    appendFrame(b, frame, 1, BASE, 400); // over every byte a had buffered
    assertReads(a, 0, BASE, 300); // a reference taken before the seal still reads segment 0
    assertReads(b, 1, BASE, 400);
  }

  private record Owner(int segment, TailBuffer tail, AtomicLong published) {}

  @Test
  void readersOfAnEarlierOwnerNeverSeeBytesTheNextOwnerWroteIntoTheMemory() throws Exception {
    WriteBufferMemory memory = new WriteBufferMemory(512);
    AtomicBoolean done = new AtomicBoolean();
    // The owner now, published as the log publishes its segment array.
    AtomicReference<Owner> current =
        new AtomicReference<>(
            new Owner(
                0, new TailBuffer(smallFile(), memory, BASE, (b, p) -> {}), new AtomicLong(BASE)));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Long>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        long seed = r;
        readers.add(
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(seed);
                  long checked = 0;
                  while (!done.get()) {
                    Owner o = current.get();
                    // Keep reading through this owner while the writer may move on: its memory
                    // is then the next segment's.
                    for (int k = 0; k < 50; k++) {
                      long pub = o.published().get();
                      if (pub <= BASE) {
                        break;
                      }
                      long from = Math.max(BASE, pub - 1 - rnd.nextInt(700));
                      int length = (int) Math.min(1 + rnd.nextInt(256), pub - from);
                      assertReads(o.tail(), o.segment(), from, length);
                      checked++;
                    }
                  }
                  return checked;
                }));
      }
      SplittableRandom rnd = new SplittableRandom(42);
      ByteBuffer frame = ByteBuffer.allocateDirect(1024);
      Owner o = current.get();
      for (int segment = 0; segment < SEGMENTS; segment++) {
        if (segment > 0) {
          o.tail().detach(); // as a seal does, before the next segment buffers
          o =
              new Owner(
                  segment,
                  new TailBuffer(smallFile(), memory, BASE, (b, p) -> {}),
                  new AtomicLong(BASE));
          current.set(o);
        }
        long position = BASE;
        while (position < SEGMENT_BYTES) {
          int length = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 700 : 120);
          appendFrame(o.tail(), frame, segment, position, length);
          position += length;
          o.published().set(position); // the segment's size, published after the frame
        }
      }
      done.set(true);
      for (Future<Long> f : readers) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
      }
      assertThat(memory.allocations()).isEqualTo(1);
    } finally {
      done.set(true);
      pool.shutdownNow();
    }
  }
}
