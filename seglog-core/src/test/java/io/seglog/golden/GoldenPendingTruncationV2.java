package io.seglog.golden;

import io.seglog.Log;
import io.seglog.SeglogException;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The golden files of metadata version 2: the version 1 golden log ({@link GoldenLogV1}) caught by
 * a crash in the middle of {@code truncateAfter(}{@value #KEEP_THROUGH}{@code )}, right after its
 * commit point: {@code seglog.meta} is version 2 and records the pending truncation (the segment
 * holding index {@value #KEEP_THROUGH} is cut inside a batch of three, so the pending record
 * carries the re-encoded frame), and no segment has been touched yet.
 *
 * <p>{@link #main} wrote src/test/resources/golden/v2-pending once. Never regenerate those files.
 */
public final class GoldenPendingTruncationV2 {
  private GoldenPendingTruncationV2() {}

  /** The first record of the batch at indices 17..19 (types 200, 201, 202). */
  public static final long KEEP_THROUGH = 17;

  /** The records of the log once the truncation is finished. */
  public static List<ExpectedRecord> recordsAfter() {
    return GoldenLogV1.records().stream().filter(r -> r.index() <= KEEP_THROUGH).toList();
  }

  /** Writes the golden log into {@code dir} (which must not hold a log). */
  public static void generate(Path dir) {
    GoldenLogV1.generate(dir);
    Path meta = dir.toAbsolutePath().resolve(FileNames.METADATA);
    boolean[] committed = {false};
    ForwardingFileIO crashAfterCommit =
        new ForwardingFileIO(NioFileIO.INSTANCE) {
          @Override
          public void rename(Path source, Path target) throws IOException {
            super.rename(source, target);
            committed[0] |= target.equals(meta);
          }

          @Override
          public void delete(Path file) throws IOException {
            if (committed[0]) {
              throw new IOException("simulated crash after the commit point");
            }
            super.delete(file);
          }
        };
    Log log = SegmentedLog.open(dir, GoldenLogV1.config(), crashAfterCommit);
    try {
      log.truncateAfter(KEEP_THROUGH);
      throw new IllegalStateException("the truncation was expected to crash");
    } catch (SeglogException expected) {
      // fenced by the simulated crash
    } finally {
      log.close();
    }
  }

  /**
   * Writes the golden files once: {@code GoldenPendingTruncationV2 <empty or absent directory>}.
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    if (Files.exists(dir)) {
      try (var files = Files.list(dir)) {
        if (files.anyMatch(GoldenLogV1::isLogFile)) {
          throw new IllegalStateException(dir + " already holds files: never regenerate");
        }
      }
    }
    generate(dir);
    Files.deleteIfExists(dir.resolve(FileNames.LOCK));
    System.out.println("wrote " + dir);
  }
}
