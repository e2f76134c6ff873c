package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read racing a cut in place: the segment object it found still has the frame index of before the
 * cut, but its file already holds the rewritten frame, with fewer records, at the same position.
 * Found by ConcurrentTruncationTest as an {@link IndexOutOfBoundsException} from a plain {@code
 * read}: the load checked the frame's first index and checksum, not that the frame holds the record
 * asked for.
 */
class ReadRacingACutTest {
  @TempDir Path dir;

  @Test
  void aFrameRewrittenShorterUnderTheReadIsReportedNotWalkedPast() throws Exception {
    AtomicReference<Thread> reader = new AtomicReference<>();
    CountDownLatch readerInPread = new CountDownLatch(1);
    CountDownLatch cutDone = new CountDownLatch(1);
    FileIO io =
        new ForwardingFileIO(NioFileIO.INSTANCE) {
          @Override
          protected FileHandle wrap(Path file, FileHandle handle) {
            return new ForwardingHandle(handle) {
              @Override
              public int read(ByteBuffer dst, long position) throws IOException {
                if (reader.compareAndSet(Thread.currentThread(), null)) {
                  // The reader chose the frame from the old frame index: hold its pread until
                  // the cut rewrote the frame and the writer appended past the old frame's end.
                  readerInPread.countDown();
                  try {
                    assertThat(cutDone.await(60, TimeUnit.SECONDS)).isTrue();
                  } catch (InterruptedException e) {
                    throw new IOException(e);
                  }
                }
                return super.read(dst, position);
              }
            };
          }
        };
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (SegmentedLog log = SegmentedLog.open(dir, config, io)) {
      List<Entry> five = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        five.add(Entry.of(new byte[] {(byte) i, 1, 2, 3}));
      }
      log.appendBatch(five); // one frame holding 1..5
      log.roll();
      log.append(new byte[] {9});
      Segment sealed = log.segmentArray()[0];
      assertThat(sealed.isMapped()).isFalse();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  sealed.read(4, new FrameView());
                  failure.set(new AssertionError("read index 4 out of a 2-record frame"));
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      reader.set(t);
      t.start();
      assertThat(readerInPread.await(60, TimeUnit.SECONDS)).isTrue();
      log.truncateAfter(2); // rewrites the frame in place as 1..2
      for (int i = 0; i < 20; i++) {
        log.append(new byte[] {7, 7, 7, 7, 7, 7, 7, 7}); // past where the old frame ended
      }
      cutDone.countDown();
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(t.isAlive()).isFalse();
      assertThat(failure.get())
          .as("the stale segment object reports the frame it found as not holding index 4")
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("index 4");
      assertThat(log.read(2).payloadBytes()).containsExactly(2, 1, 2, 3);
      assertThat(log.read(4).payloadBytes()).containsExactly(7, 7, 7, 7, 7, 7, 7, 7);
    }
  }
}
