package io.seglog;

import static io.seglog.VerifyReport.Finding.NO_INDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.VerifyReport.Finding;
import io.seglog.internal.format.FileNames;
import io.seglog.testing.SegmentScan;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The structured index range of every verify finding, and the progress the verifier and repair
 * report.
 */
class VerifyFindingsTest {
  @TempDir Path dir;

  private static final LogConfig SMALL = SegmentScan.SMALL_SEGMENTS;

  /** {@link SegmentScan#writeSmallSegments}: records 1..n; the segment files in index order. */
  private List<Path> write(int records) {
    return SegmentScan.writeSmallSegments(dir, records);
  }

  private static long base(Path segment) {
    return SegmentScan.baseOf(segment);
  }

  private static void flipByte(Path file, long offset) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x10);
    }
  }

  private static Finding only(VerifyReport report, String kind) {
    List<Finding> found = report.findings().stream().filter(f -> f.kind().equals(kind)).toList();
    assertThat(found).as("findings of kind " + kind + " in " + report.findings()).hasSize(1);
    return found.get(0);
  }

  private static void assertRange(Finding f, long first, long last) {
    assertThat(new long[] {f.firstAffectedIndex(), f.lastAffectedIndex()})
        .as("affected range of " + f)
        .containsExactly(first, last);
  }

  @Test
  void aBitFlipInASealedSegmentAffectsItsRecordsFromTheDamagedFrameToTheNextSegment()
      throws Exception {
    List<Path> segments = write(300);
    Path second = segments.get(1);
    SegmentScan.Frame victim = SegmentScan.recordFrames(second).get(5);
    flipByte(second, victim.offset() + victim.length() - 1);

    Finding f = only(LogVerifier.verify(dir), "frame");
    assertThat(f.file()).isEqualTo(second.toAbsolutePath());
    assertThat(f.offset()).isEqualTo(victim.offset());
    assertRange(f, victim.firstIndex(), base(segments.get(2)) - 1);
    assertThat(f.openEnded()).isFalse();
    assertThat(f.message()).doesNotContain("records from index");
  }

  @Test
  void aTornTailIsOpenEndedFromTheFirstRecordOfTheTornFrame() throws Exception {
    write(300);
    List<Path> segments = SegmentScan.segments(dir);
    Path last = segments.get(segments.size() - 1);
    Files.delete(dir.resolve(FileNames.index(base(last)))); // a crash, not a clean close
    List<SegmentScan.Frame> frames = SegmentScan.recordFrames(last);
    SegmentScan.Frame torn = frames.get(frames.size() - 1);
    try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
      f.setLength(torn.end() - 3);
    }

    Finding f = only(LogVerifier.verify(dir), "torn-tail");
    assertThat(f.offset()).isEqualTo(torn.offset());
    assertRange(f, torn.firstIndex(), NO_INDEX);
    assertThat(f.openEnded()).isTrue();
    assertThat(f.firstAffectedIndex()).isEqualTo(300);
  }

  @Test
  void aMissingSegmentIsAGapOfItsIndicesAndTheLinkFindingsNameTheNextSegmentsRecords()
      throws Exception {
    List<Path> segments = write(300);
    Path missing = segments.get(1);
    Files.delete(missing);
    Files.delete(dir.resolve(FileNames.index(base(missing))));
    long thirdBase = base(segments.get(2));
    long fourthBase = base(segments.get(3));

    VerifyReport report = LogVerifier.verify(dir);
    assertRange(only(report, "gap"), base(missing), thirdBase - 1);
    assertRange(only(report, "sequence"), thirdBase, fourthBase - 1);
    assertRange(only(report, "chain"), thirdBase, fourthBase - 1);
  }

  @Test
  void aDamagedHeaderAffectsTheWholeSegmentByItsFileName() throws Exception {
    List<Path> segments = write(300);
    Path second = segments.get(1);
    flipByte(second, 40);

    VerifyReport report = LogVerifier.verify(dir);
    Finding header = only(report, "header");
    assertThat(header.file()).isEqualTo(second.toAbsolutePath());
    assertRange(header, base(second), base(segments.get(2)) - 1);
  }

  @Test
  void missingMetadataAndAWrongAnchorAffectTheWholeLog() throws Exception {
    write(300);
    String anchor = LogVerifier.verify(dir).chainAnchor();
    String wrong = (anchor.charAt(0) == '0' ? "1" : "0") + anchor.substring(1);
    assertRange(only(LogVerifier.verify(dir, wrong), "anchor"), 1, NO_INDEX);

    Files.delete(dir.resolve(FileNames.METADATA));
    assertRange(only(LogVerifier.verify(dir), "metadata"), 1, NO_INDEX);
  }

  /**
   * Without readable metadata the report's readable range started at -1 ("readable indices
   * -1..300", JSON firstIndex -1), which is no index: it starts where the segments start, as the
   * metadata finding's affected range does.
   */
  @Test
  void withoutReadableMetadataTheReadableRangeStartsAtTheFirstSegment() throws Exception {
    write(300);
    Path meta = dir.resolve(FileNames.METADATA);
    flipByte(meta, 33); // the first index: the checksum fails
    VerifyReport damaged = LogVerifier.verify(dir);
    assertRange(only(damaged, "metadata"), 1, NO_INDEX);
    assertThat(new long[] {damaged.firstIndex(), damaged.lastIndex()}).containsExactly(1, 300);

    Files.delete(meta);
    VerifyReport missing = LogVerifier.verify(dir);
    assertThat(new long[] {missing.firstIndex(), missing.lastIndex()}).containsExactly(1, 300);
  }

  @Test
  void aDamagedIndexFileAffectsTheRecordsOfItsSegment() throws Exception {
    List<Path> segments = write(300);
    Path index = dir.resolve(FileNames.index(base(segments.get(1))));
    flipByte(index, Files.size(index) - 1);

    Finding f = only(LogVerifier.verify(dir), "index-file");
    assertThat(f.file()).isEqualTo(index.toAbsolutePath());
    assertRange(f, base(segments.get(1)), base(segments.get(2)) - 1);
  }

  @Test
  void lostIndexProvenRecordsAreTheRangeTheIndexFileProves() throws Exception {
    try (Log log = Log.open(dir, SMALL)) {
      for (int i = 1; i <= 10; i++) {
        log.append(("record " + i).getBytes());
      }
    }
    Path segment = dir.resolve(FileNames.segment(1));
    List<SegmentScan.Frame> frames = SegmentScan.recordFrames(segment);
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.setLength(frames.get(7).end()); // records 9 and 10, fsynced at close, are gone
    }

    assertRange(only(LogVerifier.verify(dir), "truncated"), 9, 10);
  }

  @Test
  void theShortConstructorHasNoRangeAndInvalidRangesAreRefused() {
    Finding plain = new Finding(dir, 0, "frame", "m");
    assertThat(plain.affectsRecords()).isFalse();
    assertThat(plain.openEnded()).isFalse();
    assertRange(plain, NO_INDEX, NO_INDEX);
    assertThatThrownBy(() -> new Finding(dir, 0, "frame", "m", NO_INDEX, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1..5");
    assertThatThrownBy(() -> new Finding(dir, 0, "frame", "m", 7, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("7..5");
    assertThatThrownBy(() -> new Finding(dir, 0, "frame", "m", -2, NO_INDEX))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Progress calls: (done, total) pairs. */
  private static final class Recorder implements ProgressListener {
    final List<long[]> calls = new ArrayList<>();

    @Override
    public void progress(long bytesDone, long bytesTotal) {
      calls.add(new long[] {bytesDone, bytesTotal});
    }
  }

  /** 0, then the cumulative sizes of the segment files after each one, in index order. */
  private static List<Long> cumulativeSizes(List<Path> segments) throws Exception {
    List<Long> sums = new ArrayList<>();
    sums.add(0L);
    long sum = 0;
    for (Path s : segments) {
      sum += Files.size(s);
      sums.add(sum);
    }
    return sums;
  }

  private static List<Long> done(Recorder r, long expectedTotal) {
    List<Long> done = new ArrayList<>();
    for (long[] call : r.calls) {
      assertThat(call[1]).as("bytes total").isEqualTo(expectedTotal);
      done.add(call[0]);
    }
    return done;
  }

  @Test
  void verifyReportsProgressAfterEverySegmentAndEndsAtTheTotal() throws Exception {
    List<Path> segments = write(300);
    List<Long> sums = cumulativeSizes(segments);
    long total = sums.get(sums.size() - 1);
    Recorder r = new Recorder();

    VerifyReport report = LogVerifier.verify(dir, null, r);

    assertThat(report.intact()).isTrue();
    assertThat(done(r, total)).isEqualTo(sums);
    assertThat(LogVerifier.verify(dir, null, ProgressListener.NONE)).isEqualTo(report);
  }

  @Test
  void aThrowingListenerAbortsVerify() {
    write(300);
    assertThatThrownBy(
            () ->
                LogVerifier.verify(
                    dir,
                    null,
                    (done, total) -> {
                      throw new IllegalStateException("stop at " + done);
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("stop at ");
  }

  @Test
  void repairReportsProgressPerSegmentInEveryModeDryOrNot() throws Exception {
    List<Path> segments = write(300);
    List<Long> sums = cumulativeSizes(segments);
    long total = sums.get(sums.size() - 1);
    for (RecoveryMode mode : List.of(RecoveryMode.TAIL, RecoveryMode.POINT_IN_TIME)) {
      for (boolean dryRun : new boolean[] {true, false}) {
        Recorder r = new Recorder();
        assertThat(LogRepair.repair(dir, mode, dryRun, r).isClean()).isTrue();
        assertThat(done(r, total)).as(mode + " dry run " + dryRun).isEqualTo(sums);
      }
    }
  }

  @Test
  void repairProgressEndsAtTheTotalWhenTheRepairCuts() throws Exception {
    List<Path> segments = write(300);
    long total = cumulativeSizes(segments).get(segments.size());
    SegmentScan.Frame victim = SegmentScan.recordFrames(segments.get(1)).get(3);
    flipByte(segments.get(1), victim.offset() + victim.length() - 1);

    Recorder r = new Recorder();
    RecoveryReport report = LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, false, r);

    assertThat(report.cuts()).isNotEmpty();
    List<Long> done = done(r, total);
    assertThat(done).isSorted().doesNotHaveDuplicates();
    assertThat(done).first().isEqualTo(0L);
    assertThat(done).last().isEqualTo(total);
  }
}
