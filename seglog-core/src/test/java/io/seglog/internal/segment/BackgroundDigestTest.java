package io.seglog.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.NioFileIO;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link BackgroundDigest}: a segment sealed while the log's digester hashed its content from the
 * file carries exactly the digest of a read-back ({@link Segment#digest(FileHandle, long)}), with
 * and without a write buffer, for frames of many sizes (some larger than the buffer), for a
 * reopened active segment, and when the digester's reads fail, block, or are cut short by a close.
 * Each test waits (bounded) until the digester really hashed part of the segment before sealing, so
 * a wrong background hash cannot hide behind the seal's read-back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackgroundDigestTest {
  private static final SegmentHeader HEADER =
      new SegmentHeader(
          SegmentFormat.VERSION, new UUID(1, 2), 0, 1, 0, new byte[SegmentFormat.DIGEST_BYTES]);

  @TempDir Path dir;
  private final DigesterProbeFileIO io = new DigesterProbeFileIO();
  private final BackgroundDigester digester = new BackgroundDigester("seglog-digest-test");

  @AfterEach
  void stopDigester() {
    io.openGate();
    digester.close();
  }

  private Segment.Context context() {
    return context(digester);
  }

  private Segment.Context context(BackgroundDigester digester) {
    return new Segment.Context(
        1 << 24,
        s -> null,
        new IndexCache(1 << 20, 16),
        io,
        FileIO.Mode.READ_WRITE,
        new HandlePool(16),
        (s, t) -> 0,
        FrameDecoder.WITHOUT_KEYS,
        false,
        true,
        digester);
  }

  private Path path() {
    return dir.resolve("00000000000000000001.seg");
  }

  private Segment create() throws Exception {
    FileHandle file = io.open(path(), FileIO.Mode.CREATE_NEW);
    file.writeFully(SegmentFormat.encodeHeader(HEADER), 0);
    return open(file, SegmentFormat.HEADER_BYTES, 1);
  }

  private Segment open(FileHandle file, long size, long nextIndex) {
    return new Segment(
        path(), HEADER, file, context(), new FrameIndex(16), size, nextIndex, null, 0, 0, -1);
  }

  @Test
  void aDigesterThreadThatCannotStartLeavesTheHashToTheSeal() throws Exception {
    BackgroundDigester noThreads =
        new BackgroundDigester(
            "seglog-digest-nothreads",
            r ->
                new Thread(r) {
                  @Override
                  public synchronized void start() {
                    throw new OutOfMemoryError("unable to create native thread (test)");
                  }
                });
    FileHandle file = io.open(path(), FileIO.Mode.CREATE_NEW);
    file.writeFully(SegmentFormat.encodeHeader(HEADER), 0);
    Segment s =
        new Segment(
            path(),
            HEADER,
            file,
            context(noThreads),
            new FrameIndex(16),
            SegmentFormat.HEADER_BYTES,
            1,
            null,
            0,
            0,
            -1);
    // Several wake-ups' worth: each append that would start the thread must not fail.
    fill(s, new SplittableRandom(21), 3 * BackgroundDigester.WAKE_BYTES, 70_000);
    assertThat(noThreads.isStopping()).isTrue();
    assertThat(noThreads.isRunning()).isFalse();
    sealAndCheck(s);
    s.close();
    noThreads.close();
  }

  /**
   * Appends random frames of up to {@code maxFrame} bytes until the segment holds {@code bytes}.
   */
  private static void fill(Segment s, SplittableRandom rnd, long bytes, int maxFrame)
      throws Exception {
    while (s.size() < bytes) {
      byte[] frame = new byte[1 + rnd.nextInt(maxFrame)];
      rnd.nextBytes(frame);
      long index = s.nextIndex();
      s.append(ByteBuffer.wrap(frame), index, 1, index, index);
    }
  }

  /** Seals {@code s} and checks its digest against a read-back of the file. */
  private void sealAndCheck(Segment s) throws Exception {
    long length = s.size();
    Trailer t = s.seal(0);
    try (FileHandle check = NioFileIO.INSTANCE.open(path(), FileIO.Mode.READ)) {
      assertThat(check.size()).isEqualTo(length + SegmentFormat.TRAILER_FRAME_BYTES);
      assertThat(t.digest()).isEqualTo(Segment.digest(check, length));
    }
  }

  @ParameterizedTest(name = "seed {0}, buffer {1}, frames up to {2} B, {3} B")
  @CsvSource({
    "1, 0, 200, 5000000",
    "2, 0, 70000, 6000000",
    "3, 1048576, 200, 5000000",
    "4, 1048576, 3000000, 9000000",
    "5, 65536, 100000, 4500000",
    "6, 1048576, 1, 2200000",
  })
  void sealedDigestEqualsAReadBack(long seed, int buffer, int maxFrame, long bytes)
      throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    Segment s = create();
    if (buffer > 0) {
      s.startBuffering(new WriteBufferMemory(buffer));
    }
    fill(s, rnd, bytes, maxFrame);
    s.flush();
    // The writer signalled at least up to here: the digester hashes it before the seal takes over.
    assertThat(io.awaitDigesterReadEnd(s.size() - BackgroundDigester.WAKE_BYTES)).isTrue();
    sealAndCheck(s);
    assertThat(io.digesterBytes()).isGreaterThan(BackgroundDigester.WAKE_BYTES);
    s.close();
  }

  @Test
  void aReopenedActiveSegmentIsHashedFromOffsetZeroInTheBackground() throws Exception {
    SplittableRandom rnd = new SplittableRandom(11);
    Segment first = create();
    first.startBuffering(new WriteBufferMemory(1 << 20));
    fill(first, rnd, 5_000_000, 3000);
    first.flush();
    long size = first.size();
    long next = first.nextIndex();
    first.close(); // as a crash or close would: never sealed
    // More than IncrementalDigest.CATCH_UP_LIMIT already in the file: hashed by the digester now.
    Segment again = open(io.open(path(), FileIO.Mode.READ_WRITE), size, next);
    long before = io.digesterBytes();
    fill(again, rnd, size + 100_000, 3000);
    // Not awaitDigesterReadEnd(size): the first segment's digester reads (same file) may already
    // have reached size, and then the check below ran before any read of the reopened segment
    // (seen once under load: 0 bytes).
    assertThat(io.awaitDigesterBytes(before + size)).isTrue();
    assertThat(io.digesterBytes() - before).isGreaterThanOrEqualTo(size);
    sealAndCheck(again);
    again.close();
  }

  @Test
  void aFailedBackgroundReadFallsBackToTheReadBack() throws Exception {
    SplittableRandom rnd = new SplittableRandom(21);
    Segment s = create();
    fill(s, rnd, 2_500_000, 1000);
    assertThat(io.awaitDigesterReadEnd(BackgroundDigester.WAKE_BYTES)).isTrue();
    io.failDigesterReads();
    fill(s, rnd, 5_000_000, 1000);
    assertThat(io.awaitInjectedFailure()).isTrue();
    sealAndCheck(s); // the writer's read-back is not failed: only the digester thread's reads
    s.close();
  }

  @Test
  void aSealDoesNotWaitForADigesterReadThatIsBlocked() throws Exception {
    SplittableRandom rnd = new SplittableRandom(31);
    Segment s = create();
    fill(s, rnd, 2_500_000, 1000);
    assertThat(io.awaitDigesterReadEnd(BackgroundDigester.WAKE_BYTES)).isTrue();
    CountDownLatch entered = io.closeGate();
    fill(s, rnd, 5_000_000, 1000);
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> seal =
        CompletableFuture.runAsync(
            () -> {
              try {
                sealAndCheck(s);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    seal.get(60, TimeUnit.SECONDS); // the digester is still blocked in its read
    io.openGate(); // its chunk is dropped: the seal took over
    s.close();
  }

  @Test
  void closingWhileTheDigesterIsBlockedReturnsAndTheFileClosesAfterItsRead() throws Exception {
    SplittableRandom rnd = new SplittableRandom(41);
    Segment s = create();
    CountDownLatch entered = io.closeGate();
    fill(s, rnd, 2_500_000, 1000);
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> close =
        CompletableFuture.runAsync(
            () -> {
              try {
                s.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              digester.close(); // waits for the blocked thread within its bound, then returns
            });
    close.get(60, TimeUnit.SECONDS);
    assertThat(io.closes()).as("the digester's read holds a reference").isZero();
    io.openGate();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((digester.isRunning() || io.closes() == 0) && System.nanoTime() - deadline < 0) {
      Thread.sleep(1);
    }
    assertThat(digester.isRunning()).isFalse();
    assertThat(io.closes()).as("closed when the digester released it").isEqualTo(1);
  }

  @Test
  void anAbandonedDigestStopsReadingItsFile() throws Exception {
    SplittableRandom rnd = new SplittableRandom(51);
    Segment s = create();
    CountDownLatch entered = io.closeGate();
    fill(s, rnd, 2_500_000, 1000);
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
    s.abandonDigest(); // as a cut in place does before it rewrites the file
    long read = io.digesterBytes();
    io.openGate();
    fill(s, rnd, 5_000_000, 1000); // no more wake-ups reach the digester for it
    // Its one read in flight finishes; nothing after. Then the seal reads back from offset 0.
    digester.close();
    assertThat(io.digesterBytes() - read).isLessThanOrEqualTo(BackgroundDigester.CHUNK);
    sealAndCheck(s);
    s.close();
  }
}
