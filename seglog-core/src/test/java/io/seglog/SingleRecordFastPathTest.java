package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code append} of one record (byte array, buffer or entry) on a plain log takes a fast path that
 * encodes its frame in place in the write buffer. It must leave exactly the files {@code
 * appendBatch} of that one entry leaves: two logs with the same id and clock are driven through the
 * same seeded operations, one appending single records, the other one-entry batches, and their
 * directories are compared byte for byte (segments, trailers, index and time index files,
 * metadata), across write buffer sizes (none, smaller than some records, 1 MiB), every sync policy,
 * and rolls by size, record count, age and request.
 */
class SingleRecordFastPathTest {
  static final UUID LOG_ID = UUID.fromString("fa57fa57-0000-4000-8000-000000000001");
  static final long START = 1_700_000_000_000L;

  @TempDir Path dir;

  static LogConfig config(SyncPolicy policy, int buffer, TestClock clock) {
    return LogConfig.builder()
        .syncPolicy(policy)
        .segmentBytes(8192)
        .segmentMaxRecords(40)
        .rollAge(Duration.ofSeconds(30))
        .maxRecordBytes(3000)
        .writeBufferBytes(buffer)
        .clock(clock)
        .build();
  }

  @TestFactory
  Stream<DynamicTest> singleRecordAppendsWriteTheBytesOfOneEntryBatches() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int buffer : new int[] {0, 512, 1 << 20}) {
      for (SyncPolicy policy :
          List.of(SyncPolicy.NONE, SyncPolicy.ALWAYS, SyncPolicy.interval(Duration.ofHours(1)))) {
        for (long seed : new long[] {1, 2}) {
          String name = "buffer=" + buffer + " policy=" + policy + " seed=" + seed;
          tests.add(DynamicTest.dynamicTest(name, () -> compare(buffer, policy, seed, name)));
        }
      }
    }
    return tests.stream();
  }

  /** One record to append, in the form a caller hands it over. */
  private record Op(int kind, byte[] bytes, int type, long timestamp) {
    static final int ARRAY = 0;
    static final int HEAP_BUFFER = 1;
    static final int DIRECT_BUFFER = 2;
    static final int ENTRY = 3;
    static final int SYNC = 4;
    static final int ROLL = 5;
    static final int TICK = 6;

    Entry entry() {
      return kind == ENTRY ? Entry.of(bytes, type, timestamp) : Entry.of(bytes);
    }
  }

  private static Op next(SplittableRandom r) {
    int p = r.nextInt(100);
    if (p < 3) {
      return new Op(Op.SYNC, null, 0, 0);
    }
    if (p < 5) {
      return new Op(Op.ROLL, null, 0, 0);
    }
    if (p < 10) {
      return new Op(Op.TICK, null, 0, r.nextLong(0, 20_000));
    }
    // Mostly small records; some larger than the small buffer, some near a segment's free space.
    int size = r.nextInt(10) == 0 ? r.nextInt(400, 3001) : r.nextInt(0, 200);
    byte[] bytes = new byte[size];
    r.nextBytes(bytes);
    int kind = r.nextInt(4);
    long timestamp = r.nextBoolean() ? Entry.ASSIGN_TIMESTAMP : r.nextLong(0, START);
    return new Op(kind, bytes, kind == Op.ENTRY ? r.nextInt(Entry.MAX_TYPE + 1) : 0, timestamp);
  }

  /** Appends {@code op} as a single record, in the form its kind names. */
  private static long appendSingle(Log log, Op op) {
    switch (op.kind) {
      case Op.ARRAY:
        return log.append(op.bytes);
      case Op.ENTRY:
        return log.append(op.entry());
      default:
        ByteBuffer b =
            op.kind == Op.DIRECT_BUFFER
                ? ByteBuffer.allocateDirect(op.bytes.length + 7)
                : ByteBuffer.allocate(op.bytes.length + 7);
        b.position(3).put(op.bytes).flip().position(3); // payload in the middle of the buffer
        b.limit(3 + op.bytes.length);
        long index = log.append(b);
        assertThat(b.position()).as("the caller's buffer is not consumed").isEqualTo(3);
        assertThat(b.limit()).isEqualTo(3 + op.bytes.length);
        return index;
    }
  }

  private void compare(int buffer, SyncPolicy policy, long seed, String name) throws IOException {
    Path singleDir = dir.resolve(name.replace(' ', '_') + "-single");
    Path batchDir = dir.resolve(name.replace(' ', '_') + "-batch");
    TestClock singleClock = new TestClock(START);
    TestClock batchClock = new TestClock(START);
    SplittableRandom r = new SplittableRandom(seed);
    List<Op> ops = new ArrayList<>();
    try (SegmentedLog single =
            SegmentedLog.open(
                singleDir, config(policy, buffer, singleClock), NioFileIO.INSTANCE, LOG_ID);
        SegmentedLog batch =
            SegmentedLog.open(
                batchDir, config(policy, buffer, batchClock), NioFileIO.INSTANCE, LOG_ID)) {
      for (int i = 0; i < 250; i++) {
        Op op = next(r);
        ops.add(op);
        switch (op.kind) {
          case Op.SYNC -> assertThat(single.sync()).isEqualTo(batch.sync());
          case Op.ROLL -> {
            single.roll();
            batch.roll();
          }
          case Op.TICK -> {
            singleClock.advance(op.timestamp);
            batchClock.advance(op.timestamp);
          }
          default -> {
            long index = appendSingle(single, op);
            assertThat(index).isEqualTo(batch.appendBatch(List.of(op.entry())));
            assertThat(single.lastIndex()).isEqualTo(index);
            if (policy.kind() == SyncPolicy.Kind.ALWAYS) {
              assertThat(single.durableIndex())
                  .as("ALWAYS: fsynced before returning")
                  .isEqualTo(index);
            }
          }
        }
        assertThat(single.durableIndex()).isEqualTo(batch.durableIndex());
      }
      assertThat(single.segments().size()).as("the operations rolled").isGreaterThan(3);
      // Every record reads back, also those still in the write buffer.
      for (long i = single.firstIndex(); i <= single.lastIndex(); i++) {
        Record a = single.read(i);
        Record b = batch.read(i);
        assertThat(a.timestamp()).isEqualTo(b.timestamp());
        assertThat(a.type()).isEqualTo(b.type());
        assertThat(a.payload()).isEqualTo(b.payload());
      }
      assertThat(files(singleDir)).isEqualTo(files(batchDir)); // also what is still buffered
    }
    assertThat(files(singleDir)).isEqualTo(files(batchDir));
    assertThat(ops.stream().filter(o -> o.kind <= Op.ENTRY && o.bytes.length > 512)).isNotEmpty();
  }

  /** Every file of a log directory by name, as hex (so a mismatch shows where). */
  private static Map<String, String> files(Path logDir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(logDir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(
            logDir.relativize(p).toString(),
            java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
      }
    }
    return m;
  }

  @Test
  void aRecordOverMaxRecordBytesIsRefusedAsInABatch() throws IOException {
    TestClock clock = new TestClock(START);
    try (Log log = Log.open(dir, config(SyncPolicy.NONE, 512, clock))) {
      byte[] big = new byte[3001];
      String batchMessage = null;
      try {
        log.appendBatch(List.of(Entry.of(big)));
      } catch (RecordTooLargeException e) {
        batchMessage = e.getMessage();
      }
      assertThat(batchMessage).isNotNull();
      assertThatThrownBy(() -> log.append(big))
          .isInstanceOf(RecordTooLargeException.class)
          .hasMessage(batchMessage);
      assertThatThrownBy(() -> log.append(ByteBuffer.wrap(big)))
          .isInstanceOf(RecordTooLargeException.class)
          .hasMessage(batchMessage);
      assertThatThrownBy(() -> log.append(Entry.of(big, 1, 5)))
          .isInstanceOf(RecordTooLargeException.class)
          .hasMessage(batchMessage);
      assertThat(log.lastIndex()).isEqualTo(0);
      assertThat(log.append(new byte[3000])).isEqualTo(1);
    }
  }

  @Test
  void singleRecordAppendsToAClosedLogThrow() throws IOException {
    TestClock clock = new TestClock(START);
    Log log = Log.open(dir, config(SyncPolicy.NONE, 512, clock));
    log.append(new byte[10]);
    log.close();
    assertThatThrownBy(() -> log.append(new byte[10])).isInstanceOf(LogClosedException.class);
    assertThatThrownBy(() -> log.append(ByteBuffer.allocate(10)))
        .isInstanceOf(LogClosedException.class);
    assertThatThrownBy(() -> log.append(Entry.of(new byte[10])))
        .isInstanceOf(LogClosedException.class);
  }
}
