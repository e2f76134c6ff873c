package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log opened read-only whose last segment is sealed while the next one is not there yet (the
 * writer rolls: it seals, then creates the next segment), when the writer then cuts into that
 * sealed segment: the cut unseals and rewrites it, and a later roll creates the next segment anew,
 * at another index or chained to the rewritten segment's new digest. The follower only looked for
 * the next segment at the old index, so it waited forever, or reported the new segment as a broken
 * hash chain ({@link CorruptLogException}). It must notice the cut: its tailers then throw {@link
 * RecordsGoneException}.
 *
 * <p>The moment between the seal and the next segment is recreated by moving the next segment's
 * files away while the read-only log opens and first looks, and back before the writer cuts.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class ReadOnlyCutIntoSealedSegmentTest {
  @TempDir Path dir;
  @TempDir Path aside;

  private static LogConfig config() {
    return LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
  }

  private static Entry changed(long index) {
    return Entry.of(("rewritten " + index).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes 1..10 and rolls; a read-only tailer returns 1..10 while only the sealed first segment is
   * there; the writer then cuts after 5, appends 6..{@code until} anew and rolls. Returns what the
   * tailer's next poll threw.
   */
  private Throwable cutIntoTheSealedSegmentAndAppendThrough(long until) throws Exception {
    try (Log writer = Log.open(dir, config())) {
      for (long i = 1; i <= 10; i++) {
        writer.append(TailerTest.entry(i));
      }
      writer.roll();
      List<Path> next = filesOfSegment(writer, 11);
      assertThat(next).isNotEmpty();
      List<Path> moved = new ArrayList<>();
      for (Path p : next) {
        moved.add(Files.move(p, aside.resolve(p.getFileName())));
      }
      try (Log reader = Log.openReadOnly(dir, config());
          Tailer tailer = reader.tailer(1)) {
        for (long i = 1; i <= 10; i++) {
          assertThat(TailerTest.expected(i).difference(tailer.poll(Duration.ofSeconds(30))))
              .isNull();
        }
        assertThat(tailer.poll(Duration.ZERO)).isNull(); // sealed, the next one not there yet
        for (Path p : moved) {
          Files.move(p, dir.resolve(p.getFileName()));
        }
        writer.truncateAfter(5); // unseals and rewrites the first segment, deletes the second
        for (long i = 6; i <= until; i++) {
          writer.append(changed(i));
        }
        writer.roll();
        assertThat(writer.segments()).hasSize(2);
        assertThat(writer.segments().get(1).baseIndex()).isEqualTo(until + 1);
        return catchThrowable(() -> tailer.poll(Duration.ZERO));
      }
    }
  }

  @Test
  void withoutACutTheNextSegmentIsFollowedOnceThere() throws Exception {
    try (Log writer = Log.open(dir, config())) {
      for (long i = 1; i <= 10; i++) {
        writer.append(TailerTest.entry(i));
      }
      writer.roll();
      List<Path> moved = new ArrayList<>();
      for (Path p : filesOfSegment(writer, 11)) {
        moved.add(Files.move(p, aside.resolve(p.getFileName())));
      }
      try (Log reader = Log.openReadOnly(dir, config());
          Tailer tailer = reader.tailer(1)) {
        for (long i = 1; i <= 10; i++) {
          assertThat(TailerTest.expected(i).difference(tailer.poll(Duration.ofSeconds(30))))
              .isNull();
        }
        assertThat(tailer.poll(Duration.ZERO)).isNull(); // sealed, the next one not there yet
        assertThat(tailer.poll(Duration.ZERO)).isNull(); // still: the seal is intact
        for (Path p : moved) {
          Files.move(p, dir.resolve(p.getFileName()));
        }
        writer.append(TailerTest.entry(11));
        assertThat(TailerTest.expected(11).difference(tailer.poll(Duration.ofSeconds(30))))
            .isNull();
      }
    }
  }

  private static List<Path> filesOfSegment(Log log, long baseIndex) throws IOException {
    String name = null;
    for (SegmentInfo s : log.segments()) {
      if (s.baseIndex() == baseIndex) {
        name = s.file().getFileName().toString();
      }
    }
    assertThat(name).as("segment at %d", baseIndex).isNotNull();
    String stem = name.substring(0, name.indexOf('.'));
    try (Stream<Path> files = Files.list(log.directory())) {
      return files.filter(p -> p.getFileName().toString().startsWith(stem + ".")).toList();
    }
  }

  @Test
  void theNextSegmentCreatedAtAnotherIndexIsACutNotAWaitForever() throws Exception {
    assertThat(cutIntoTheSealedSegmentAndAppendThrough(8)).isInstanceOf(RecordsGoneException.class);
  }

  @Test
  void theNextSegmentCreatedAtTheSameIndexIsACutNotABrokenHashChain() throws Exception {
    assertThat(cutIntoTheSealedSegmentAndAppendThrough(10))
        .isInstanceOf(RecordsGoneException.class);
  }
}
