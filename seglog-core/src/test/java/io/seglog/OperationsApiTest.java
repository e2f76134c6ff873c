package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.format.FileNames;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operations API: segment listing, chain anchors, repair with and without a dry run. */
class OperationsApiTest {
  @TempDir Path dir;

  private static final LogConfig SMALL =
      LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();

  private void write(int records) {
    try (Log log = Log.open(dir, SMALL)) {
      for (int i = 1; i <= records; i++) {
        log.append(Entry.of(("record " + i).getBytes(), 1, 1000 + i));
      }
    }
  }

  @Test
  void segmentsDescribeEverySegmentAndChainLink() {
    write(300);
    try (Log log = Log.open(dir, SMALL)) {
      List<SegmentInfo> segments = log.segments();
      assertThat(segments).hasSizeGreaterThan(2);
      assertThat(segments.stream().mapToLong(SegmentInfo::records).sum()).isEqualTo(300);
      assertThat(segments.get(0).baseIndex()).isEqualTo(1);
      assertThat(segments.get(0).minTimestamp()).isEqualTo(1001);
      for (int i = 1; i < segments.size(); i++) {
        SegmentInfo prev = segments.get(i - 1);
        assertThat(segments.get(i).baseIndex()).isEqualTo(prev.baseIndex() + prev.records());
        assertThat(prev.sealed()).isTrue();
        assertThat(prev.digest()).hasSize(64);
      }
      SegmentInfo active = segments.get(segments.size() - 1);
      assertThat(active.sealed()).isFalse();
      assertThat(active.digest()).isNull();
      assertThat(active.maxTimestamp()).isEqualTo(1300);
    }
  }

  @Test
  void aChainAnchorProvesThePrefixUnchangedAndCatchesAReplacedSegment() throws Exception {
    write(300);
    VerifyReport first = LogVerifier.verify(dir);
    String anchor = first.chainAnchor();
    assertThat(anchor).hasSize(64);
    write(300); // the log grows: the old anchor still holds
    assertThat(LogVerifier.verify(dir, anchor).intact()).isTrue();
    assertThat(LogVerifier.verify(dir).chainAnchor()).isNotEqualTo(anchor);

    // Rewrite history: a valid log of the same shape but different content, under the same name.
    Path other = dir.resolveSibling("other");
    try (Log log = Log.open(other, SMALL)) {
      for (int i = 1; i <= 600; i++) {
        log.append(Entry.of(("forged " + i).getBytes(), 1, 1000 + i));
      }
    }
    VerifyReport forged = LogVerifier.verify(other, anchor);
    assertThat(forged.intact()).isFalse();
    assertThat(forged.findings()).extracting(VerifyReport.Finding::kind).containsExactly("anchor");
  }

  @Test
  void repairDryRunReportsTheCutAndChangesNothingThenRepairCuts() throws Exception {
    write(50);
    Path segment = dir.resolve(FileNames.segment(1));
    Files.delete(dir.resolve(FileNames.index(1))); // crash, not a clean close
    long size = Files.size(segment);
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.setLength(size - 3); // torn last frame
    }
    RecoveryReport dry = LogRepair.repair(dir, RecoveryMode.TAIL, true);
    assertThat(dry.cuts()).singleElement().satisfies(c -> assertThat(c.sideFile()).isNull());
    assertThat(Files.size(segment)).as("dry run changes nothing").isEqualTo(size - 3);

    RecoveryReport done = LogRepair.repair(dir, RecoveryMode.TAIL, false);
    assertThat(done.cuts()).singleElement().satisfies(c -> assertThat(c.sideFile()).exists());
    assertThat(done.cuts().get(0).offset()).isEqualTo(dry.cuts().get(0).offset());
    assertThat(Files.size(segment)).isEqualTo(dry.cuts().get(0).offset());
    try (Log log = Log.open(dir, SMALL)) {
      assertThat(log.lastIndex()).isEqualTo(49);
    }
  }

  @Test
  void repairOfALockedLogIsRefused() {
    write(5);
    try (Log held = Log.open(dir, SMALL)) {
      assertThat(held.lastIndex()).isEqualTo(5);
      assertThatThrownBy(() -> LogRepair.repair(dir, RecoveryMode.TAIL, false))
          .isInstanceOf(LogLockedException.class);
      assertThat(LogRepair.repair(dir, RecoveryMode.TAIL, true).isClean()).isTrue();
    }
  }
}
