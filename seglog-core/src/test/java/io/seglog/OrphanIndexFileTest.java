package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.VerifyReport.Finding;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.SegmentScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index file whose segment file is missing. A clean-close (or seal-time) index file is written
 * after an fsync of its segment: it proves the segment existed and held its records durably. A
 * missing last segment (or last segments) next to its index file is lost acknowledged data: refused
 * by a default open, reported by verify, cut (and reported) only by a point-in-time repair. Index
 * files that legitimately outlive their segment (left below the log's first index, or of a segment
 * a point-in-time repair moved aside) are not proof of anything and still open.
 */
class OrphanIndexFileTest {
  @TempDir Path dir;

  private static final LogConfig SMALL = SegmentScan.SMALL_SEGMENTS;

  /** {@link SegmentScan#writeSmallSegments}: records 1..n; the segment files in index order. */
  private List<Path> write(int records) {
    return SegmentScan.writeSmallSegments(dir, records);
  }

  private static long base(Path segment) {
    return SegmentScan.baseOf(segment);
  }

  private Path indexOf(Path segment) {
    return dir.resolve(FileNames.index(base(segment)));
  }

  private static LogConfig mode(RecoveryMode mode) {
    return SMALL.toBuilder().recoveryMode(mode).build();
  }

  @Test
  void aDeletedLastSegmentWithItsIndexFileIsRefusedByADefaultAndAStrictOpen() throws Exception {
    List<Path> segments = write(300);
    Path last = segments.get(segments.size() - 1);
    Path index = indexOf(last);
    assertThat(index).as("a clean close wrote the active segment's index file").exists();
    Files.delete(last);
    DirectorySnapshot before = DirectorySnapshot.of(dir);

    for (RecoveryMode m : new RecoveryMode[] {RecoveryMode.TAIL, RecoveryMode.STRICT}) {
      assertThatThrownBy(() -> Log.open(dir, mode(m)).close())
          .as(m + " open")
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining(last.getFileName().toString())
          .hasMessageContaining(index.getFileName().toString())
          .hasMessageContaining("missing");
      assertThat(DirectorySnapshot.of(dir).differences(before))
          .as("a refused open changes nothing")
          .isEmpty();
    }
    assertThatThrownBy(() -> Log.openReadOnly(dir, SMALL).close())
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining(last.getFileName().toString());
    assertThat(DirectorySnapshot.of(dir).differences(before)).isEmpty();
  }

  @Test
  void theLastTwoSegmentsDeletedWithTheirIndexFilesAreRefused() throws Exception {
    List<Path> segments = write(300);
    Path secondToLast = segments.get(segments.size() - 2);
    Files.delete(segments.get(segments.size() - 1));
    Files.delete(secondToLast);

    assertThatThrownBy(() -> Log.open(dir, SMALL).close())
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining(secondToLast.getFileName().toString())
        .hasMessageContaining(indexOf(secondToLast).getFileName().toString());
  }

  @Test
  void verifyReportsTheMissingSegmentAndTheIndexFileThatProvesIt() throws Exception {
    List<Path> segments = write(300);
    Path last = segments.get(segments.size() - 1);
    long lastIndex;
    try (Log log = Log.openReadOnly(dir, SMALL)) {
      lastIndex = log.lastIndex();
    }
    Files.delete(last);

    VerifyReport report = LogVerifier.verify(dir);
    assertThat(report.intact()).isFalse();
    List<Finding> found =
        report.findings().stream().filter(f -> f.kind().equals("missing-segment")).toList();
    assertThat(found).as("findings " + report.findings()).hasSize(1);
    Finding f = found.get(0);
    assertThat(f.file()).isEqualTo(last.toAbsolutePath());
    assertThat(f.message()).contains(indexOf(last).getFileName().toString());
    assertThat(new long[] {f.firstAffectedIndex(), f.lastAffectedIndex()})
        .containsExactly(base(last), lastIndex);
  }

  @Test
  void aPointInTimeRepairEndsTheLogAtTheLastPresentSegmentAndReportsTheLoss() throws Exception {
    List<Path> segments = write(300);
    Path last = segments.get(segments.size() - 1);
    Path previous = segments.get(segments.size() - 2);
    Path index = indexOf(last);
    byte[] proof = Files.readAllBytes(index);
    Files.delete(last);

    DirectorySnapshot before = DirectorySnapshot.of(dir);
    RecoveryReport dry = LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, true);
    assertThat(dry.cuts()).hasSize(1);
    assertThat(DirectorySnapshot.of(dir).differences(before))
        .as("a dry run changes nothing")
        .isEmpty();

    RecoveryReport report = LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, false);
    assertThat(report.cuts()).hasSize(1);
    RecoveryReport.Cut cut = report.cuts().get(0);
    assertThat(cut.file().getFileName()).isEqualTo(last.getFileName());
    assertThat(cut.reason()).contains(index.getFileName().toString()).contains("missing");
    // The repair starts the next segment where the lost one started; its index file is its own.
    assertThat(last).as("a new empty active segment").exists();
    assertThat(index.toFile().exists() ? Files.readAllBytes(index) : new byte[0])
        .as("the orphan index file is removed")
        .isNotEqualTo(proof);

    try (Log log = Log.open(dir, SMALL)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
      assertThat(log.lastIndex()).isEqualTo(base(last) - 1);
      assertThat(log.read(base(previous)).payloadBytes()).isNotEmpty();
      assertThat(log.append("after repair".getBytes())).isEqualTo(base(last));
    }
    assertThat(LogVerifier.verify(dir).intact()).isTrue();
  }

  @Test
  void aMiddleOrFirstSegmentDeletedWithItsIndexFileIsStillRefused() throws Exception {
    List<Path> segments = write(300);
    Path middle = segments.get(1);
    Files.delete(middle);
    assertThatThrownBy(() -> Log.open(dir, SMALL).close())
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining(segments.get(2).getFileName().toString());
    assertThat(LogVerifier.verify(dir).intact()).isFalse();

    Files.delete(segments.get(0));
    assertThatThrownBy(() -> Log.open(dir, SMALL).close())
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("segments are missing");
    assertThat(LogVerifier.verify(dir).intact()).isFalse();
  }

  @Test
  void anIndexFileLeftBelowTheFirstIndexByARemovalStillOpensAndIsDeleted() throws Exception {
    List<Path> segments = write(300);
    Path first = segments.get(0);
    byte[] leftover = Files.readAllBytes(indexOf(first));
    try (Log log = Log.open(dir, SMALL)) {
      log.truncateBefore(base(segments.get(2)));
    }
    assertThat(first).doesNotExist();
    // What a crash in the middle of a removal, or an index load racing it, may leave.
    Files.write(indexOf(first), leftover);

    assertThat(LogVerifier.verify(dir).intact()).isTrue();
    try (Log log = Log.open(dir, SMALL)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
      assertThat(log.firstIndex()).isEqualTo(base(segments.get(2)));
    }
    assertThat(indexOf(first)).as("a writable open deletes the leftover").doesNotExist();
  }

  @Test
  void anIndexFileOfASegmentAPointInTimeRepairMovedAsideStillOpens() throws Exception {
    List<Path> segments = write(300);
    Path last = segments.get(segments.size() - 1);
    Path previous = segments.get(segments.size() - 2);
    byte[] lastIndexFile = Files.readAllBytes(indexOf(last));
    // Damage in the second-to-last segment: the repair cuts it and moves the last one aside.
    byte[] b = Files.readAllBytes(previous);
    b[200] ^= 1;
    Files.write(previous, b);
    RecoveryReport report = LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, false);
    assertThat(report.cuts()).hasSize(2);
    Path side = FileNames.cut(last, 0);
    assertThat(side).exists();
    // An earlier version renamed the segment before deleting its index file: a crash between the
    // two left the index file of the segment now kept in the side file.
    Files.write(indexOf(last), lastIndexFile);

    assertThat(LogVerifier.verify(dir).findings())
        .noneMatch(f -> f.kind().equals("missing-segment"));
    try (Log log = Log.open(dir, SMALL)) {
      assertThat(log.recoveryReport().cuts()).isEmpty();
    }
    assertThat(indexOf(last)).as("a writable open deletes the leftover").doesNotExist();
  }

  @Test
  void anIndexLoadRacingATruncationLeavesNoIndexFileOfTheRemovedSegment() throws Exception {
    List<Path> segments = write(300);
    Path victim = segments.get(2);
    Path victimIndex = indexOf(victim);
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    // Holds the lazy index load's rename of the victim's index file until the truncation removed
    // the victim: the rename then lands after the removal deleted the index file.
    ForwardingFileIO io =
        new ForwardingFileIO(NioFileIO.INSTANCE) {
          @Override
          public void rename(Path source, Path target) throws IOException {
            if (target.getFileName().equals(victimIndex.getFileName())) {
              reached.countDown();
              try {
                assertThat(go.await(30, TimeUnit.SECONDS)).as("released").isTrue();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
              }
            }
            super.rename(source, target);
          }
        };
    try (Log log = SegmentedLog.open(dir, SMALL, io)) {
      Files.delete(victimIndex); // the first read of the victim loads its index by a scan
      CompletableFuture<Object> read =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return log.read(base(victim));
                } catch (SeglogException e) {
                  return e; // the segment went while it was read
                }
              });
      assertThat(reached.await(30, TimeUnit.SECONDS)).as("the index load writes").isTrue();
      CompletableFuture<Void> cut =
          CompletableFuture.runAsync(() -> log.truncateAfter(base(victim) - 1));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Files.exists(victim) && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(victim).as("the truncation removed the victim").doesNotExist();
      go.countDown();
      cut.get(30, TimeUnit.SECONDS);
      read.get(30, TimeUnit.SECONDS);
    }
    assertThat(victimIndex).as("index file of the removed segment").doesNotExist();
    try (Log log = Log.open(dir, SMALL)) {
      assertThat(log.lastIndex()).isEqualTo(base(victim) - 1);
    }
  }
}
