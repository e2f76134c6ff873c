package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.MemoryFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.TestClock;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Records appended from a stream of unknown length ({@link Log#appendStream}) and read back as a
 * stream ({@link Log#readStream}): sizes from 0 bytes to many times the segment size, failures of
 * the source and overflows of the bound that leave the log exactly as it was, durability under
 * ALWAYS, crashes in the middle, and the growth of the metadata's frame bound.
 */
class StreamedRecordTest {
  static final long T0 = 1_700_000_000_000L;

  enum Where {
    DISK,
    MEMORY
  }

  @TempDir Path tmp;
  final TestClock clock = new TestClock(T0);

  LogConfig config(SyncPolicy policy) {
    return LogConfig.builder()
        .segmentBytes(4096)
        .maxRecordBytes(1000)
        .maxStreamedRecordBytes(4 << 20)
        .syncPolicy(policy)
        .clock(clock)
        .build();
  }

  static byte[] bytes(SplittableRandom rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** A source that hands out its bytes in small, uneven pieces, then fails if told to. */
  static final class Source extends FilterInputStream {
    final long failAfter;
    long served;

    Source(byte[] data, long failAfter) {
      super(new ByteArrayInputStream(data));
      this.failAfter = failAfter;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (served >= failAfter) {
        throw new IOException("source broke after " + served + " bytes");
      }
      int n = super.read(b, off, (int) Math.min(Math.min(len, 7000), failAfter - served));
      if (n > 0) {
        served += n;
      }
      return n;
    }
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void recordsFromZeroBytesToManySegmentsReadBackExactly(Where where) throws IOException {
    FileIO io = where == Where.DISK ? NioFileIO.INSTANCE : new MemoryFileIO();
    Path dir = tmp.resolve("log");
    LogConfig config = config(SyncPolicy.NONE);
    SplittableRandom rnd = new SplittableRandom(11);
    int[] sizes = {
      0,
      1,
      100,
      4095,
      4096,
      20_000,
      65_535,
      65_536,
      65_537,
      3 * 65_536 + 5,
      1 << 20,
      (1 << 20) + 1,
      (2 << 20) + 3
    };
    List<ExpectedRecord> model = new ArrayList<>();
    try (Log log = SegmentedLog.open(dir, config, io)) {
      for (int i = 0; i < sizes.length; i++) {
        byte[] small = bytes(rnd, rnd.nextInt(1000));
        model.add(new ExpectedRecord(log.append(small), T0 + i, 0, small));
        byte[] big = bytes(rnd, sizes[i]);
        long index =
            i % 2 == 0
                ? log.appendStream(new Source(big, Long.MAX_VALUE), sizes[i])
                : log.appendStream(Channels.newChannel(new ByteArrayInputStream(big)), 4 << 20);
        assertThat(index).isEqualTo(model.size() + 1);
        model.add(new ExpectedRecord(index, T0 + i, 0, big));
        assertThat(readAll(log.readStream(index))).as("readStream(%d)", index).isEqualTo(big);
        clock.advance(1);
      }
      LogChecks.assertExactly(log, 1, model);
      for (ExpectedRecord e : model) {
        assertThat(readAll(log.readStream(e.index()))).isEqualTo(e.payload());
      }
    }
    // where each streamed record went: at the end of the segment that was active, never split,
    // and a segment exceeds segmentBytes only by its last frame
    for (Path s : SegmentScan.segments(io, dir)) {
      List<SegmentScan.Frame> frames = SegmentScan.recordFrames(io, s);
      if (frames.size() > 1) {
        assertThat(frames.get(frames.size() - 2).end())
            .as("frames of %s before its last one", s)
            .isLessThanOrEqualTo(config.segmentBytes());
      }
    }
    try (Log log = SegmentedLog.open(dir, config, io)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
      LogChecks.assertExactly(log, 1, model);
    }
    if (where == Where.DISK) {
      assertThat(LogVerifier.verify(dir).intact()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void aStreamOverItsBoundLeavesTheLogExactlyAsBefore(Where where) throws IOException {
    FileIO io = where == Where.DISK ? NioFileIO.INSTANCE : new MemoryFileIO();
    Path dir = tmp.resolve("log");
    SplittableRandom rnd = new SplittableRandom(5);
    try (Log log = SegmentedLog.open(dir, config(SyncPolicy.ALWAYS), io)) {
      log.append(bytes(rnd, 500));
      log.appendStream(new ByteArrayInputStream(bytes(rnd, 30_000)), 30_000);
      log.roll(); // (a roll that is due, as one after the large record is, happens first)
      log.append(bytes(rnd, 500));
      DirectorySnapshot before = DirectorySnapshot.of(io, dir);
      long fsyncs = log.metrics().fsyncs();
      for (int over : new int[] {1, 1000, 200_000}) {
        for (int bound : new int[] {0, 10, 65_535, 65_536, 100_000}) {
          byte[] data = bytes(rnd, bound + over);
          assertThatThrownBy(() -> log.appendStream(new ByteArrayInputStream(data), bound))
              .isInstanceOf(RecordTooLargeException.class)
              .hasMessageContaining("limit of " + bound + " bytes")
              .hasMessageContaining("nothing was appended");
          assertThat(DirectorySnapshot.of(io, dir).differences(before))
              .as("files after a stream of %d bytes over a bound of %d", bound + over, bound)
              .isEmpty();
          assertThat(log.lastIndex()).isEqualTo(3);
        }
      }
      assertThat(log.metrics().fsyncs())
          .as("nothing acknowledged, nothing fsynced")
          .isEqualTo(fsyncs);
      // not fenced: appends go on at the next index, and exactly the bound fits
      byte[] exact = bytes(rnd, 100_000);
      assertThat(log.appendStream(new ByteArrayInputStream(exact), 100_000)).isEqualTo(4);
      assertThat(log.read(4).payloadBytes()).isEqualTo(exact);
      // now a roll is due: a failing stream may leave that roll behind, but no byte of its own
      List<SegmentInfo> segments = log.segments();
      assertThatThrownBy(() -> log.appendStream(new ByteArrayInputStream(new byte[11]), 10))
          .isInstanceOf(RecordTooLargeException.class);
      assertThat(log.segments()).hasSize(segments.size() + 1);
      assertThat(log.segments().get(segments.size()).records()).isZero();
      assertThat(log.lastIndex()).isEqualTo(4);
      assertThat(log.append(new byte[1])).isEqualTo(5);
    }
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void aSourceFailingMidwayLeavesTheLogExactlyAsBefore(Where where) throws IOException {
    FileIO io = where == Where.DISK ? NioFileIO.INSTANCE : new MemoryFileIO();
    Path dir = tmp.resolve("log");
    SplittableRandom rnd = new SplittableRandom(6);
    try (Log log = SegmentedLog.open(dir, config(SyncPolicy.ALWAYS), io)) {
      log.append(bytes(rnd, 700));
      DirectorySnapshot before = DirectorySnapshot.of(io, dir);
      for (long failAfter : new long[] {0, 1, 6999, 70_000, 300_000}) {
        Source source = new Source(bytes(rnd, 400_000), failAfter);
        assertThatThrownBy(() -> log.appendStream(source, 1 << 20))
            .as("the source's own exception, as is")
            .isInstanceOf(IOException.class)
            .hasMessage("source broke after " + failAfter + " bytes");
        assertThat(DirectorySnapshot.of(io, dir).differences(before)).isEmpty();
        assertThat(log.lastIndex()).isEqualTo(1);
      }
      InputStream throwsUnchecked =
          new InputStream() {
            int n;

            @Override
            public int read() {
              if (++n > 100_000) {
                throw new IllegalStateException("producer bug");
              }
              return n & 0xFF;
            }
          };
      assertThatThrownBy(() -> log.appendStream(throwsUnchecked, 1 << 20))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("producer bug");
      assertThat(DirectorySnapshot.of(io, dir).differences(before)).isEmpty();
      assertThat(log.appendStream(new ByteArrayInputStream(new byte[5]), 5)).isEqualTo(2);
    }
  }

  @Test
  void underAlwaysAStreamedRecordIsDurableWhenAppendStreamReturns() throws IOException {
    Path dir = tmp.resolve("log");
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
    SplittableRandom rnd = new SplittableRandom(8);
    byte[] big = bytes(rnd, 250_000);
    try (Log log = SegmentedLog.open(dir, config(SyncPolicy.ALWAYS), io)) {
      log.append(new byte[3]);
      long forces = io.count(Op.FORCE);
      assertThat(log.appendStream(new ByteArrayInputStream(big), big.length)).isEqualTo(2);
      assertThat(io.count(Op.FORCE)).as("fsynced before it returned").isGreaterThan(forces);
      assertThat(log.durableIndex()).isEqualTo(2);
      io.powerLoss();
    } catch (SeglogException closeAfterCrash) {
      // closing a log whose process "died" fails; the files are what counts
    }
    try (Log log = Log.open(dir, config(SyncPolicy.ALWAYS))) {
      assertThat(log.lastIndex()).isEqualTo(2);
      assertThat(readAll(log.readStream(2))).isEqualTo(big);
    }
  }

  /** A process crash keeps every write; a power loss keeps only what was fsynced. */
  enum Death {
    CRASH,
    POWER_LOSS
  }

  @ParameterizedTest
  @EnumSource(Death.class)
  void aCrashAtEveryStepOfAStreamedAppendLosesNothingAcknowledged(Death death) throws IOException {
    SplittableRandom rnd = new SplittableRandom(9);
    byte[] big = bytes(rnd, 200_000); // 4 chunks, a header, an fsync
    byte[] first = bytes(rnd, 900);
    int outcomesWithRecord = 0;
    int cuts = 0;
    for (int k = 1; ; k++) {
      Path dir = tmp.resolve("crash" + k);
      FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(dir);
      Log log = SegmentedLog.open(dir, config(SyncPolicy.ALWAYS), io);
      log.append(first);
      io.crashAtOperation(io.totalOperations() + k);
      boolean returned;
      try {
        log.appendStream(new ByteArrayInputStream(big), big.length);
        returned = true;
      } catch (LogFencedException e) {
        returned = false;
      }
      if (death == Death.CRASH) {
        io.crash();
      } else {
        io.powerLoss();
      }
      try {
        log.close();
      } catch (SeglogException ignored) {
        // the process died
      }
      try (Log reopened = Log.open(dir, config(SyncPolicy.ALWAYS))) {
        long last = reopened.lastIndex();
        assertThat(last).as("crash at step %d", k).isBetween(1L, 2L);
        assertThat(reopened.read(1).payloadBytes()).isEqualTo(first);
        if (last == 2) {
          outcomesWithRecord++;
          assertThat(readAll(reopened.readStream(2))).isEqualTo(big);
        } else {
          assertThat(returned).as("crash at step %d: acknowledged but lost", k).isFalse();
        }
        cuts += reopened.recoveryReport().cuts().size();
        assertThat(reopened.append(new byte[1])).isEqualTo(last + 1);
      }
      if (returned) {
        break; // the crash came after the whole append
      }
    }
    if (death == Death.CRASH) {
      // a process crash keeps the partial frame, which recovery must cut; a power loss drops
      // every unsynced byte, so there is nothing to cut
      assertThat(cuts).as("some crashes tore the frame, and recovery cut it").isPositive();
    }
    assertThat(outcomesWithRecord).isPositive();
  }

  @Test
  void aDiskFillingUpMidStreamFencesTheLogAndLeavesNothingToCut() throws IOException {
    Path dir = tmp.resolve("log");
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    byte[] first = bytes(new SplittableRandom(2), 300);
    try (Log log = SegmentedLog.open(dir, config(SyncPolicy.ALWAYS), io)) {
      log.append(first);
      io.diskBudget(150_000);
      assertThatThrownBy(
              () -> log.appendStream(new ByteArrayInputStream(new byte[300_000]), 1 << 20))
          .isInstanceOf(LogFencedException.class)
          .hasMessageContaining("streamed write to")
          .hasMessageContaining(FaultInjectingFileIO.NO_SPACE);
      assertThat(log.lastIndex()).isEqualTo(1);
      assertThatThrownBy(() -> log.append(new byte[1])).isInstanceOf(LogFencedException.class);
    } catch (SeglogException closing) {
      // a fenced log may fail to close; what counts is the files
    }
    try (Log log = Log.open(dir, config(SyncPolicy.ALWAYS))) {
      assertThat(log.recoveryReport().cuts())
          .as("the partial frame was cut back at once")
          .isEmpty();
      assertThat(log.lastIndex()).isEqualTo(1);
      assertThat(log.read(1).payloadBytes()).isEqualTo(first);
    }
  }

  @Test
  void aDamagedStreamedRecordFailsAtTheEndOfItsStream() throws IOException {
    Path dir = tmp.resolve("log");
    byte[] big = bytes(new SplittableRandom(3), 3 << 20);
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      log.appendStream(new ByteArrayInputStream(big), big.length);
    }
    Path segment = dir.resolve(FileNames.segment(1));
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      long at = 128 + 48 + 2_000_000;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      InputStream in = log.readStream(1);
      byte[] head = in.readNBytes(1_000_000);
      assertThat(head)
          .as("unverified bytes before the end")
          .isEqualTo(java.util.Arrays.copyOf(big, 1_000_000));
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("frame checksum mismatch at the end of record 1");
      assertThatThrownBy(() -> log.read(1)).isInstanceOf(CorruptLogException.class);
    }
  }

  @Test
  void readStreamServesEveryKindOfRecordAndFailsOnceTheLogIsClosed() throws IOException {
    SplittableRandom rnd = new SplittableRandom(12);
    byte[] a = bytes(rnd, 700);
    byte[] b = bytes(rnd, 0);
    byte[] big = bytes(rnd, 3 << 20);
    Log log = Log.open(tmp.resolve("log"), config(SyncPolicy.NONE));
    log.appendBatch(List.of(Entry.of(a), Entry.of(b, 3, 5)));
    log.appendStream(new ByteArrayInputStream(big), big.length);
    log.roll(); // the streamed record now in a sealed segment
    log.append(new byte[1]);
    assertThat(readAll(log.readStream(1))).isEqualTo(a);
    assertThat(readAll(log.readStream(2))).isEqualTo(b);
    assertThat(readAll(log.readStream(3))).isEqualTo(big);
    InputStream in = log.readStream(3);
    assertThat(in.readNBytes(100_000)).isEqualTo(java.util.Arrays.copyOf(big, 100_000));
    log.close();
    assertThatThrownBy(in::readAllBytes)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("log was closed during the read of record 3");
    assertThatThrownBy(() -> log.readStream(1)).isInstanceOf(LogClosedException.class);
  }

  @Test
  void aLargerStreamedBoundGrowsTheMetadataBeforeAnyLargerFrame() throws IOException {
    Path dir = tmp.resolve("log");
    LogConfig small =
        LogConfig.builder().maxRecordBytes(1000).maxBatchBytes(1000).maxBatchRecords(1).build();
    try (Log log = Log.open(dir, small)) {
      log.append(new byte[10]);
      assertThatThrownBy(() -> log.appendStream(new ByteArrayInputStream(new byte[2000]), 2000))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxBytes 2000 is outside 0..maxStreamedRecordBytes (1000)");
    }
    assertThat(maxBody(dir)).isEqualTo(1000 + 16);
    byte[] big = bytes(new SplittableRandom(4), 100_000);
    try (Log log = Log.open(dir, small.toBuilder().maxStreamedRecordBytes(100_000).build())) {
      assertThat(maxBody(dir)).as("grown at open").isEqualTo(100_000 + 16);
      log.appendStream(new ByteArrayInputStream(big), 100_000);
    }
    try (Log log = Log.open(dir, small)) {
      assertThat(maxBody(dir)).as("never shrinks").isEqualTo(100_000 + 16);
      assertThat(log.read(2).payloadBytes()).isEqualTo(big);
    }
    assertThat(LogVerifier.verify(dir).intact()).isTrue();
  }

  static int maxBody(Path dir) throws IOException {
    try {
      return MetadataFormat.decode(
              ByteBuffer.wrap(java.nio.file.Files.readAllBytes(dir.resolve(FileNames.METADATA))))
          .maxBodyBytes();
    } catch (io.seglog.internal.format.FormatException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void badArgumentsAreRefusedUpFront() throws IOException {
    try (Log log = Log.open(tmp.resolve("log"), config(SyncPolicy.NONE))) {
      assertThatThrownBy(() -> log.appendStream(new ByteArrayInputStream(new byte[1]), -1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxBytes -1");
      assertThatThrownBy(() -> log.appendStream((InputStream) null, 1))
          .isInstanceOf(NullPointerException.class);
      Pipe pipe = Pipe.open();
      pipe.source().configureBlocking(false);
      assertThatThrownBy(() -> log.appendStream(pipe.source(), 10))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("non-blocking");
      pipe.source().close();
      pipe.sink().close();
      assertThatThrownBy(
              () ->
                  log.appendStream(
                      Channels.newChannel(new ByteArrayInputStream(new byte[1])), 1, 65536, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("type 65536");
      assertThatThrownBy(
              () ->
                  log.appendStream(
                      Channels.newChannel(new ByteArrayInputStream(new byte[1])), 1, 0, -5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("timestamp -5");
      assertThat(log.lastIndex()).isZero();
      assertThatThrownBy(() -> log.readStream(1)).isInstanceOf(IndexOutOfRangeException.class);
      byte[] p = new byte[70_000];
      long index =
          log.appendStream(Channels.newChannel(new ByteArrayInputStream(p)), p.length, 77, 1234);
      Record r = log.read(index);
      assertThat(r.type()).isEqualTo(77);
      assertThat(r.timestamp()).isEqualTo(1234);
      assertThat(r.payloadBytes()).isEqualTo(p);
    }
    try (Log ro = Log.openReadOnly(tmp.resolve("log"), config(SyncPolicy.NONE))) {
      assertThatThrownBy(() -> ro.appendStream(new ByteArrayInputStream(new byte[1]), 1))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }
}
