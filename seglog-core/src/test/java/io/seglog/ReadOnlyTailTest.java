package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.TailLogMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tailing a log opened read-only while a writer, in this JVM or in another process, appends and
 * rolls: every record is seen exactly once, in order; a frame still being written (torn, short, or
 * failing its checksum) is not there yet, never an error; a truncation by the writer is noticed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a hang guard only
class ReadOnlyTailTest {
  static final Duration FOREVER = Duration.ofMinutes(2);

  @TempDir Path dir;

  static LogConfig config(SyncPolicy policy) {
    return LogConfig.builder().syncPolicy(policy).segmentBytes(4096).build();
  }

  static ExpectedRecord expected(long index) {
    return TailerTest.expected(index);
  }

  /** Appends records 1..count with some batches and explicit rolls, seeded. */
  static void appendAll(Log log, long count, long seed) {
    Random random = new Random(seed);
    long i = log.lastIndex() + 1;
    while (i <= count) {
      int n = (int) Math.min(count - i + 1, 1 + (random.nextInt(5) == 0 ? random.nextInt(6) : 0));
      List<Entry> batch = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        batch.add(TailerTest.entry(i + k));
      }
      log.appendBatch(batch);
      i += n;
      if (random.nextInt(200) == 0) {
        log.roll();
      }
    }
  }

  @Test
  void readOnlyTailerInThisJvmSeesEveryRecordOnceAcrossRolls() throws Exception {
    long count = 2000;
    try (Log writer = Log.open(dir, config(SyncPolicy.NONE))) {
      appendAll(writer, 10, 1);
      try (Log reader = Log.openReadOnly(dir, config(SyncPolicy.NONE));
          Tailer written = reader.tailer(1, Visibility.WRITTEN);
          Tailer durable = reader.tailer(1, Visibility.DURABLE)) {
        CompletableFuture<Void> writing =
            CompletableFuture.runAsync(
                () -> {
                  appendAll(writer, count, 2);
                  writer.sync();
                  writer.roll(); // a seal also tells the reader everything before it is durable
                });
        for (Tailer t : List.of(written, durable)) {
          for (long i = 1; i <= count; i++) {
            Record r = t.poll(FOREVER);
            assertThat(r).as("record %d", i).isNotNull();
            assertThat(expected(i).difference(r)).isNull();
          }
        }
        writing.get(1, TimeUnit.MINUTES);
        assertThat(written.poll(Duration.ZERO)).isNull();
        assertThat(reader.lastIndex()).isEqualTo(count);
        assertThat(reader.segments().size()).isEqualTo(writer.segments().size());
      }
    }
  }

  @Test
  void aFrameBeingWrittenIsNotThereYetUntilItIsWholeAndValid() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    try (Log log = Log.open(a, config(SyncPolicy.ALWAYS))) {
      log.append(TailerTest.entry(1));
      log.append(TailerTest.entry(2));
    }
    copyDirectory(a, b);
    try (Log log = Log.open(a, config(SyncPolicy.ALWAYS))) {
      log.append(TailerTest.entry(3)); // its frame is the bytes the "writer" of b will add
    }
    Path segment = onlySegment(a);
    Path bSegment = b.resolve(segment.getFileName());
    byte[] all = Files.readAllBytes(segment);
    int start = (int) Files.size(bSegment);
    byte[] frame = java.util.Arrays.copyOfRange(all, start, all.length);
    try (Log reader = Log.openReadOnly(b, config(SyncPolicy.ALWAYS));
        Tailer t = reader.tailer(3);
        FileChannel ch = FileChannel.open(bSegment, StandardOpenOption.WRITE)) {
      assertThat(t.poll(Duration.ZERO)).isNull();
      // Header in pieces, then the body short of its last byte: never there yet.
      for (int cut : new int[] {1, 16, 31, 32, 40, frame.length - 1}) {
        ch.write(ByteBuffer.wrap(frame, 0, cut), start);
        assertThat(t.poll(Duration.ZERO)).as("after %d of %d bytes", cut, frame.length).isNull();
      }
      // Whole length but a damaged byte (a torn write): still not there.
      byte[] torn = frame.clone();
      torn[frame.length - 2] ^= 0x5A;
      ch.write(ByteBuffer.wrap(torn), start);
      assertThat(t.poll(Duration.ZERO)).isNull();
      ch.write(ByteBuffer.wrap(frame), start);
      assertThat(expected(3).difference(t.poll(Duration.ZERO))).isNull();
      assertThat(reader.lastIndex()).isEqualTo(3);
    }
  }

  @Test
  void truncationByTheWriterIsNoticedNotReadAsStaleRecords() throws Exception {
    try (Log writer = Log.open(dir, config(SyncPolicy.ALWAYS))) {
      writer.append(TailerTest.entry(1));
      writer.append(TailerTest.entry(2));
    }
    Path segment = onlySegment(dir);
    long sizeAfterOne;
    try (Log reader = Log.openReadOnly(dir, config(SyncPolicy.ALWAYS));
        Tailer t = reader.tailer(3)) {
      assertThat(t.poll(Duration.ZERO)).isNull();
      sizeAfterOne = reader.segments().get(0).bytes() - frameBytes(TailerTest.entry(2));
      try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
        ch.truncate(sizeAfterOne); // what a truncateAfter(1) of the writer does to the file
      }
      assertThatThrownBy(() -> t.poll(Duration.ZERO))
          .isInstanceOf(RecordsGoneException.class)
          .hasMessageContaining("3");
    }
  }

  @Test
  void readerOpenedBeforeTheFirstSegmentExistsFindsItOnceCreated() throws Exception {
    try (Log writer = Log.open(dir, config(SyncPolicy.NONE))) {
      assertThat(writer.lastIndex()).isZero();
    }
    // A writer creating a new log commits its metadata before its first segment: a reader may
    // open in between. Recreate that moment by removing the empty first segment.
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".seg") || name.endsWith(".idx")) {
          Files.delete(p);
        }
      }
    }
    try (Log reader = Log.openReadOnly(dir, config(SyncPolicy.NONE));
        Tailer t = reader.tailer(1)) {
      assertThat(reader.segments()).isEmpty();
      assertThat(t.poll(Duration.ZERO)).isNull();
      try (Log writer = Log.open(dir, config(SyncPolicy.NONE))) {
        writer.append(TailerTest.entry(1));
        assertThat(expected(1).difference(t.poll(FOREVER))).isNull();
      }
    }
  }

  static long frameBytes(Entry e) {
    return 32 + 16 + e.payload().remaining();
  }

  @Test
  void aSecondJvmTailsALogThisJvmAppendsToAndSeesEveryRecordOnceInOrder() throws Exception {
    long count = 3000;
    try (Log writer = Log.open(dir, config(SyncPolicy.ALWAYS))) {
      appendAll(writer, 5, 3);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child =
          new ProcessBuilder(
                  List.of(
                      java,
                      "-cp",
                      System.getProperty("java.class.path"),
                      TailLogMain.class.getName(),
                      dir.toString(),
                      Long.toString(count),
                      "DURABLE"))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try {
        child.getOutputStream().close();
        BlockingQueue<String> out = lines(child);
        String ready = out.poll(2, TimeUnit.MINUTES);
        assertThat(ready).as("child's first line").startsWith("READY ");
        CompletableFuture<Void> writing =
            CompletableFuture.runAsync(
                () -> {
                  appendAll(writer, count, 4);
                  // A reader in another process cannot see fsyncs; frames carry the writer's synced
                  // index as of their encoding, and a seal proves the whole segment durable. The
                  // roll makes the last records durable in the child's eyes.
                  writer.roll();
                });
        CRC32 crc = new CRC32();
        for (long i = 1; i <= count; i++) {
          String line = out.poll(2, TimeUnit.MINUTES);
          assertThat(line).as("line for record %d", i).isNotNull().startsWith("R ");
          ExpectedRecord e = expected(i);
          crc.reset();
          crc.update(e.payload());
          assertThat(line)
              .isEqualTo(
                  "R "
                      + i
                      + " "
                      + e.timestamp()
                      + " "
                      + e.type()
                      + " "
                      + e.payload().length
                      + " "
                      + crc.getValue());
        }
        assertThat(out.poll(2, TimeUnit.MINUTES)).isEqualTo("DONE");
        writing.get(1, TimeUnit.MINUTES);
        assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(writer.segments().size())
            .as("the writer rolled while the child tailed")
            .isGreaterThan(5);
      } finally {
        child.destroyForcibly();
      }
    }
  }

  /** The child's stdout lines, read by a daemon thread, so a hung child cannot hang the test. */
  static BlockingQueue<String> lines(Process child) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                lines.add("READ FAILED " + e);
              }
            });
    t.setDaemon(true);
    t.start();
    return lines;
  }

  static Path onlySegment(Path log) throws Exception {
    try (Stream<Path> s = Files.list(log)) {
      List<Path> segments =
          s.filter(p -> p.getFileName().toString().endsWith(".seg"))
              .sorted(Comparator.naturalOrder())
              .toList();
      assertThat(segments).hasSize(1);
      return segments.get(0);
    }
  }

  static void copyDirectory(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) {
        if (!p.getFileName().toString().equals("seglog.lock")) {
          Files.copy(p, to.resolve(p.getFileName()));
        }
      }
    }
  }
}
