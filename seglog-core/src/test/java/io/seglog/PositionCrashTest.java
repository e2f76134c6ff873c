package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A named position's commit is crash-safe: a crash at every file operation of a commit (the first
 * commit, which creates {@code positions/}, and a later one) leaves the name at its previous
 * position or its new one, whole, and the next open reads it without error.
 */
class PositionCrashTest {
  @TempDir Path root;

  static final LogConfig CONFIG = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();

  @Test
  void aCrashAtAnyOperationOfACommitLeavesTheOldOrTheNewPosition() throws Exception {
    int crashesSeen = 0;
    for (boolean first : new boolean[] {true, false}) {
      for (long nth = 1; ; nth++) {
        Path dir = root.resolve((first ? "first-" : "later-") + nth);
        long before;
        try (Log log = Log.open(dir, CONFIG)) {
          for (int i = 0; i < 10; i++) {
            log.append(new byte[] {(byte) i});
          }
          if (!first) {
            try (Tailer t = log.tailer("p", 1, Visibility.WRITTEN)) {
              t.commit(4);
            }
          }
          before = first ? -1 : 4;
        }
        FaultInjectingFileIO io = new FaultInjectingFileIO();
        SegmentedLog log = SegmentedLog.open(dir, CONFIG, io);
        Tailer t = log.tailer("p", 1, Visibility.WRITTEN); // loads positions before counting
        long start = io.totalOperations();
        io.crashAtOperation(start + nth);
        boolean crashed;
        try {
          t.commit(7);
          crashed = io.crashed();
        } catch (SeglogException e) {
          crashed = true;
        }
        io.crash(); // the process dies either way, without closing the log
        try (Log reopened = SegmentedLog.open(dir, CONFIG, NioFileIO.INSTANCE)) {
          Long p = reopened.committedPositions().get("p");
          if (crashed) {
            crashesSeen++;
            assertThat(p == null ? -1 : p)
                .as("crash at operation %d of a %s commit", nth, first ? "first" : "later")
                .isIn(before, 7L);
          } else {
            assertThat(p).isEqualTo(7L);
            break; // the commit ran to completion before operation nth: all points covered
          }
        }
      }
    }
    assertThat(crashesSeen).as("commit points covered").isGreaterThanOrEqualTo(8);
  }
}
