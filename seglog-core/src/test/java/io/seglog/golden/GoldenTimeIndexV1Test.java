package io.seglog.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SegmentInfo;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.TimeIndexFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden time index files, format version 1 (src/test/resources/golden/time-index-v1): the
 * {@code .tix} files that seeking every record's timestamp writes over the golden v1 log. Today's
 * code reads them (seeks answer as the records say) and writes the very same bytes. Never
 * regenerate them: a failure here is a format change, which needs a new time index version.
 *
 * <p>They were written once by {@link #main} as {@code java -cp <test classpath>
 * io.seglog.golden.GoldenTimeIndexV1Test seglog-core/src/test/resources/golden/time-index-v1}.
 */
class GoldenTimeIndexV1Test {
  @TempDir Path tmp;

  static Path golden() throws URISyntaxException {
    return Path.of(GoldenFilesV1Test.class.getResource("/golden/time-index-v1/README.md").toURI())
        .getParent();
  }

  /** The index of the first golden record at or after {@code t}, or 68. */
  static long expected(List<ExpectedRecord> records, long t) {
    return records.stream()
        .filter(r -> r.timestamp() >= t)
        .mapToLong(ExpectedRecord::index)
        .findFirst()
        .orElse(records.size() + 1);
  }

  /** Copies the golden v1 log to {@code dir} and seeks every record's timestamp (and 0) in it. */
  static void generate(Path dir) throws Exception {
    Files.createDirectories(dir);
    for (Path p : GoldenFilesV1Test.logFiles(GoldenFilesV1Test.golden())) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    List<ExpectedRecord> records = GoldenLogV1.records();
    try (Log log = SegmentedLog.open(dir, GoldenLogV1.config(), NioFileIO.INSTANCE)) {
      check(log, records);
    }
  }

  static void check(Log log, List<ExpectedRecord> records) {
    assertThat(log.indexAtOrAfter(0)).isEqualTo(1);
    for (ExpectedRecord r : records) {
      assertThat(log.indexAtOrAfter(r.timestamp()))
          .as("t=%d", r.timestamp())
          .isEqualTo(expected(records, r.timestamp()));
    }
  }

  static List<Path> timeIndexFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(FileNames.TIME_INDEX_SUFFIX))
          .sorted()
          .toList();
    }
  }

  @Test
  void regeneratingGivesByteIdenticalTimeIndexFiles() throws Exception {
    Path fresh = tmp.resolve("fresh");
    generate(fresh);
    List<Path> want = timeIndexFiles(golden());
    assertThat(want).isNotEmpty();
    assertThat(timeIndexFiles(fresh).stream().map(p -> p.getFileName().toString()))
        .containsExactlyElementsOf(want.stream().map(p -> p.getFileName().toString()).toList());
    for (Path p : want) {
      assertThat(Files.readAllBytes(fresh.resolve(p.getFileName())))
          .as(p.getFileName().toString())
          .isEqualTo(Files.readAllBytes(p));
    }
  }

  @Test
  void theGoldenTimeIndexFilesAreReadAndAnswerSeeks() throws Exception {
    Path dir = tmp.resolve("copy");
    Files.createDirectories(dir);
    for (Path p : GoldenFilesV1Test.logFiles(GoldenFilesV1Test.golden())) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    for (Path p : timeIndexFiles(golden())) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    try (Log log = Log.openReadOnly(dir, LogConfig.defaults())) {
      check(log, GoldenLogV1.records());
      // Each golden file decodes and describes its sealed segment exactly (so it is what the
      // seeks used, not a rebuild).
      for (Path p : timeIndexFiles(golden())) {
        TimeIndexFormat.TimeIndexFile f =
            TimeIndexFormat.decode(ByteBuffer.wrap(Files.readAllBytes(p)));
        SegmentInfo segment =
            log.segments().stream()
                .filter(i -> i.baseIndex() == f.baseIndex())
                .findFirst()
                .orElseThrow();
        assertThat(p.getFileName().toString()).isEqualTo(FileNames.timeIndex(f.baseIndex()));
        assertThat(HexFormat.of().formatHex(f.digest())).isEqualTo(segment.digest());
        assertThat(f.slots()).startsWith(0);
        assertThat(f.sampleBytes()).isEqualTo(4096);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    if (Files.exists(out) && !timeIndexFiles(out).isEmpty()) {
      throw new IllegalStateException(out + " already holds time index files: never regenerate");
    }
    Path work = Files.createTempDirectory("golden-tix");
    generate(work);
    Files.createDirectories(out);
    for (Path p : timeIndexFiles(work)) {
      Files.copy(p, out.resolve(p.getFileName()));
    }
  }
}
