package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.MemoryFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.Futures;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random operation sequences against a reference model: the list of records appended. Each seed
 * picks a configuration (small segments so they roll often, a record cap per segment, ALWAYS or
 * NONE, an initial index) and a few hundred operations; after each, the log must agree with the
 * model exactly. Every seed runs twice: on disk ({@link NioFileIO}) and in memory ({@link
 * MemoryFileIO}, what {@link Storage#inMemory()} uses), which must behave the same.
 *
 * <p>Replay a failure with {@code -Dtest=LogModelTest -Dseglog.model.seed=N}; add {@code
 * -Dseglog.model.history=1000} to print the whole operation history instead of its last 25 steps,
 * and {@code -Dseglog.model.keep=DIR} to keep the failing log's files in DIR. The number of seeds
 * is {@value #SEEDS_PER_SCALE} times {@code seglog.test.scale} (1 by default, 20 with -Plong).
 *
 * <p>{@link #codedOperationsAgreeWithTheModel} runs the same model on logs that compress (zstd,
 * lz4) and/or encrypt, with compressible payloads, and changes codec, encryption and the current
 * key at random reopens: the log then holds frames of several codecs, keys and format versions.
 * Replay one with {@code -Dseglog.model.seed=N} too.
 */
class LogModelTest {
  static final int SEEDS_PER_SCALE = 250;
  static final int CODED_SEEDS_PER_SCALE = 80;

  static LongStream codedSeeds() {
    String one = System.getProperty("seglog.model.seed");
    if (one != null) {
      return LongStream.of(Long.parseLong(one));
    }
    int scale = Integer.getInteger("seglog.test.scale", 1);
    return LongStream.range(0, (long) CODED_SEEDS_PER_SCALE * scale);
  }

  /** Two keys: frames written under key 1 stay readable after the current key becomes key 2. */
  static final KeyProvider KEYS_1 = KeyProvider.of(1, java.util.Map.of(1, key(1), 2, key(2)));

  static final KeyProvider KEYS_2 = KeyProvider.of(2, java.util.Map.of(1, key(1), 2, key(2)));

  static byte[] key(int id) {
    byte[] k = new byte[32];
    java.util.Arrays.fill(k, (byte) (id * 17));
    return k;
  }

  static LongStream seeds() {
    String one = System.getProperty("seglog.model.seed");
    if (one != null) {
      return LongStream.of(Long.parseLong(one));
    }
    int scale = Integer.getInteger("seglog.test.scale", 1);
    return LongStream.range(0, (long) SEEDS_PER_SCALE * scale);
  }

  /** Where the log lives: the same seeds run on disk and in {@link Storage#inMemory()}. */
  enum Where {
    DISK,
    MEMORY
  }

  static Stream<Arguments> runs() {
    return Stream.of(Where.values()).flatMap(w -> seeds().mapToObj(seed -> Arguments.of(w, seed)));
  }

  @ParameterizedTest(name = "{0} seed={1}")
  @MethodSource("runs")
  void randomOperationsAgreeWithTheModel(Where where, long seed, @TempDir Path dir)
      throws IOException {
    FileIO io = where == Where.DISK ? NioFileIO.INSTANCE : new MemoryFileIO();
    new Run(seed, dir, io, false).run();
  }

  @ParameterizedTest(name = "seed={0}")
  @MethodSource("codedSeeds")
  void codedOperationsAgreeWithTheModel(long seed, @TempDir Path dir) throws IOException {
    new Run(seed, dir, NioFileIO.INSTANCE, true).run();
  }

  /**
   * A state machine whose state is a digest of every record applied, in order (issue 6): after a
   * replay it must equal the digest of the model's records.
   */
  static final class DigestStateMachine implements StateMachine {
    long lastApplied = Long.MIN_VALUE;
    long digest;

    static long mix(long h, long index, long timestamp, int type, byte[] payload) {
      h = h * 31 + index;
      h = h * 31 + timestamp;
      h = h * 31 + type;
      for (byte b : payload) {
        h = h * 31 + b;
      }
      return h * 0x9E3779B97F4A7C15L + 1;
    }

    @Override
    public void apply(Record r) {
      if (lastApplied != Long.MIN_VALUE && r.index() != lastApplied + 1) {
        throw new AssertionError("applied " + r.index() + " after " + lastApplied);
      }
      digest = mix(digest, r.index(), r.timestamp(), r.type(), r.payloadBytes());
      lastApplied = r.index();
    }

    @Override
    public void checkpoint(java.io.OutputStream out) throws IOException {
      java.io.DataOutputStream d = new java.io.DataOutputStream(out);
      d.writeLong(lastApplied);
      d.writeLong(digest);
      d.flush();
    }

    @Override
    public void restore(java.io.InputStream in) throws IOException {
      java.io.DataInputStream d = new java.io.DataInputStream(in);
      lastApplied = d.readLong();
      digest = d.readLong();
      if (d.read() != -1) {
        throw new IOException("bytes after the checkpoint");
      }
    }
  }

  /** One seed's run. */
  private static final class Run {
    final SplittableRandom rnd;
    final Path dir;
    final FileIO io;
    final TestClock clock = new TestClock(1_700_000_000_000L);
    LogConfig config;
    final boolean coded;
    final boolean always;
    // Streamed appends draw from their own generator, so the other operations of a seed are the
    // same as before streamed appends existed.
    final SplittableRandom streamRnd;
    final java.util.Set<Long> streamed = new java.util.HashSet<>();
    final List<ExpectedRecord> model = new ArrayList<>();
    long first; // moved by truncateBefore, retention, reset, clear and purges (issue 6)
    final int operations;
    Log log;
    long lastDurable = Long.MIN_VALUE;
    final StringBuilder history = new StringBuilder();

    Run(long seed, Path dir, FileIO io, boolean coded) {
      this.coded = coded;
      this.rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (coded ? 91 : 17));
      this.streamRnd = new SplittableRandom(seed * 31 + 5);
      this.dir = dir.resolve("log");
      this.io = io;
      long segmentBytes = 4096 + rnd.nextInt(65536 - 4096 + 1);
      int maxRecord = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(64) : 1 + rnd.nextInt(9000);
      int maxBatch = maxRecord * (1 + rnd.nextInt(4));
      long segmentMaxRecords = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(40) : 0;
      long retentionRecords = rnd.nextInt(4) == 0 ? 20 + rnd.nextInt(300) : 0;
      int policy = rnd.nextInt(5);
      always = policy < 2;
      SyncPolicy syncPolicy =
          always
              ? SyncPolicy.ALWAYS
              : policy < 4
                  ? SyncPolicy.NONE
                  : SyncPolicy.interval(java.time.Duration.ofMillis(1 + rnd.nextInt(20)));
      first =
          switch (rnd.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 1 + rnd.nextInt(1_000_000);
            case 2 -> 1L << 40;
            default -> 1;
          };
      config =
          LogConfig.builder()
              .syncPolicy(syncPolicy)
              .segmentBytes(segmentBytes)
              .maxRecordBytes(maxRecord)
              .maxBatchBytes(maxBatch)
              .segmentMaxRecords(segmentMaxRecords)
              .retentionRecords(retentionRecords)
              .initialIndex(first)
              .clock(clock)
              .maxStreamedRecordBytes(
                  streamRnd.nextInt(3) == 0
                      ? maxRecord
                      : (int) segmentBytes * (1 + streamRnd.nextInt(3)))
              .writeBufferBytes(writeBuffer(seed))
              .build();
      // Every third seed runs with a state machine (issue 6): checkpoints, purges, replay.
      withStateMachine = seed % 3 == 0;
      if (coded && rnd.nextInt(4) > 0) {
        config = recode(config); // else it starts plain (version 1) and turns coded at a reopen
      }
      operations = 50 + rnd.nextInt(250);
    }

    /**
     * A random compression and encryption setting, at least one of them on. Once encrypted, a log
     * stays encrypted (it needs its keys to read), but the current key may change. A state machine
     * log is never encrypted (its checkpoints are not coded: the open refuses it), so it always
     * compresses.
     */
    LogConfig recode(LogConfig c) {
      Compression codec = Compression.values()[rnd.nextInt(Compression.values().length)];
      if (withStateMachine && codec == Compression.NONE) {
        codec = Compression.values()[1 + rnd.nextInt(Compression.values().length - 1)];
      }
      boolean encrypt =
          !withStateMachine
              && (rnd.nextInt(3) > 0 || codec == Compression.NONE || c.encryption() != null);
      LogConfig.Builder b =
          c.toBuilder()
              .compression(codec)
              .compressionMinBytes(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1, 300))
              .encryption(encrypt ? (rnd.nextBoolean() ? KEYS_1 : KEYS_2) : null);
      LogConfig next = b.build();
      note("config: compression " + codec + ", encrypted " + encrypt);
      return next;
    }

    /**
     * No write buffer, a small one (frames often larger than it) or a large one; drawn from its own
     * generator, so every seed's other choices are those it had before write buffers existed.
     */
    static int writeBuffer(long seed) {
      SplittableRandom r = new SplittableRandom(seed ^ 0x5EED_B0FFL);
      return switch (r.nextInt(3)) {
        case 0 -> 0;
        case 1 -> LogConfig.MIN_WRITE_BUFFER_BYTES + r.nextInt(4096);
        default -> 1 << 20;
      };
    }

    void run() throws IOException {
      openWritable();
      try {
        assertThat(log.recoveryReport().isClean()).as("a new log's report").isTrue();
        checkExtent();
        for (int op = 0; op < operations; op++) {
          clock.advance(rnd.nextInt(3));
          step(op);
          followRetention();
          checkExtent();
        }
        reopen();
        LogChecks.assertExactly(log, first, model);
      } catch (AssertionError | RuntimeException e) {
        keepForInspection();
        throw new AssertionError(
            config + "\nhistory (last ops):\n" + tail(history) + "\n" + e.getMessage(), e);
      } finally {
        log.close();
      }
    }

    /** With -Dseglog.model.keep=DIR, a failing run's files are copied there. */
    void keepForInspection() {
      String keep = System.getProperty("seglog.model.keep");
      if (keep != null) {
        Path to = Path.of(keep);
        try {
          Files.createDirectories(to);
          for (Path p : io.list(dir)) {
            Files.write(to.resolve(p.getFileName().toString()), DirectorySnapshot.readAll(io, p));
          }
        } catch (IOException | RuntimeException e) {
          history.append("could not keep the files: ").append(e).append('\n');
        }
      }
    }

    void step(int op) throws IOException {
      if (streamRnd.nextInt(100) < 5) {
        streamedAppend();
        return;
      }
      if (withStateMachine && rnd.nextInt(8) == 0) {
        stateMachineStep();
        return;
      }
      int dice = rnd.nextInt(100);
      if (dice < 34) {
        appendOne();
      } else if (dice < 48) {
        appendBatch();
      } else if (dice < 50) {
        appendTooLarge();
      } else if (dice < 65) {
        readOne();
      } else if (dice < 74) {
        readRange();
      } else if (dice < 79) {
        note("sync");
        long durable = log.sync();
        assertThat(durable).as("sync() result").isEqualTo(lastIndex());
        assertThat(log.durableIndex()).as("durableIndex after sync").isEqualTo(lastIndex());
      } else if (dice < 83) {
        roll();
      } else if (dice < 87) {
        reopen();
      } else if (dice < 90) {
        readOnly();
      } else if (dice < 92) {
        readDurable();
      } else if (dice < 95) {
        truncateAfter();
      } else if (dice < 97) {
        truncateBefore();
      } else if (dice < 98) {
        reset();
      } else if (dice < 99) {
        retention();
      } else {
        readOne();
      }
    }

    // ---- truncation and retention

    /**
     * truncateAfter at a random index (sometimes the last, a no-op, or firstIndex - 1, emptying the
     * log), with a reader opened before it: the reader returns the kept records and then throws
     * RecordsGoneException, never the records appended after the cut.
     */
    void truncateAfter() {
      if (withStateMachine) {
        note("truncateAfter: refused with a state machine");
        assertThatThrownBy(() -> log.truncateAfter(lastIndex()))
            .isInstanceOf(UnsupportedOperationException.class);
        return;
      }
      long last = lastIndex();
      long keep =
          switch (rnd.nextInt(6)) {
            case 0 -> last;
            case 1 -> first - 1;
            default -> first - 1 + rnd.nextLong(model.size() + 1);
          };
      long from = first + rnd.nextInt(model.size() + 1);
      note("truncateAfter(" + keep + ") with a reader from " + from);
      LogReader reader = log.reader(from, Long.MAX_VALUE);
      log.truncateAfter(keep);
      model.subList((int) (keep + 1 - first), model.size()).clear();
      lastDurable = Math.min(lastDurable, keep);
      if (keep < last) {
        assertThat(log.durableIndex()).as("durableIndex after truncateAfter").isEqualTo(keep);
      }
      checkExtent();
      int again = rnd.nextInt(4);
      for (int i = 0; i < again; i++) {
        appendOne();
      }
      try (reader) {
        for (long i = from; i <= last; i++) {
          if (i <= keep && i >= log.firstIndex()) { // (retention after a roll may remove some)
            assertThat(reader.hasNext()).isTrue();
            LogChecks.assertRecord(model.get((int) (i - first)), reader.next());
          } else {
            long gone = i;
            assertThatThrownBy(reader::next)
                .as("a reader positioned on a truncated record")
                .isInstanceOf(RecordsGoneException.class)
                .hasMessageContaining("record " + gone + " is gone");
            break;
          }
        }
      }
    }

    /** truncateBefore at a random index (sometimes below the first, a no-op, or lastIndex + 1). */
    void truncateBefore() {
      long to =
          switch (rnd.nextInt(6)) {
            case 0 -> first - rnd.nextInt(2);
            case 1 -> lastIndex() + 1;
            default -> first + rnd.nextLong(model.size() + 1);
          };
      note("truncateBefore(" + to + ")");
      log.truncateBefore(to);
      boolean moved = to > first;
      if (moved) {
        model.subList(0, (int) (to - first)).clear();
        first = to;
      }
      checkExtent();
      if (moved) { // (a log never truncated says "below firstIndex", not "gone")
        long below = first - 1;
        assertThatThrownBy(() -> log.read(below)).isInstanceOf(RecordsGoneException.class);
      }
    }

    /** reset to an index around the current extent, or clear(). */
    void reset() {
      if (withStateMachine) {
        note("reset/clear: refused with a state machine");
        assertThatThrownBy(() -> log.reset(lastIndex() + 1))
            .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> log.clear()).isInstanceOf(UnsupportedOperationException.class);
        return;
      }
      if (rnd.nextBoolean()) {
        note("clear()");
        log.clear();
        first = lastIndex() + 1;
      } else {
        long to = Math.max(0, lastIndex() + 1 + rnd.nextInt(-50, 50));
        note("reset(" + to + ")");
        log.reset(to);
        first = to;
      }
      model.clear();
      lastDurable = first - 1;
      assertThat(log.durableIndex()).as("durableIndex after a reset").isEqualTo(first - 1);
      checkExtent();
    }

    /** Retention on demand; with a record limit configured it must leave the log within it. */
    void retention() {
      note("applyRetention()");
      long before = first;
      RetentionResult r = log.applyRetention();
      assertThat(r.firstIndex()).as("first index after retention").isEqualTo(log.firstIndex());
      assertThat(r.recordsRemoved()).isEqualTo(log.firstIndex() - before);
      followRetention();
      long limit = config.retentionRecords();
      if (limit > 0) {
        assertThat(model.size() <= limit || log.segments().size() == 1)
            .as("retention on demand leaves at most " + limit + " records, or the active segment")
            .isTrue();
      } else {
        assertThat(r.isEmpty()).as("no policy, nothing removed").isTrue();
      }
    }

    /**
     * Retention after a roll (any append may roll) or on demand: the model drops what the log
     * dropped, after checking it was allowed to: only with a record limit, and only whole segments
     * (the first index is the first segment's base).
     */
    void followRetention() {
      long now = log.firstIndex();
      if (now == first) {
        return;
      }
      long limit = config.retentionRecords();
      assertThat(limit).as("first index moved without a retention policy").isPositive();
      assertThat(now).as("first index only moves forward by retention").isGreaterThan(first);
      List<SegmentInfo> segments = log.segments();
      assertThat(segments.get(0).baseIndex()).as("retention removes whole segments").isEqualTo(now);
      model.subList(0, (int) (now - first)).clear();
      first = now;
      note("  retention moved the first index to " + now);
    }

    long lastIndex() {
      return first + model.size() - 1;
    }

    void note(String s) {
      history.append(s).append('\n');
    }

    byte[] payload(int max) {
      if (coded && rnd.nextBoolean()) {
        return compressible(max);
      }
      int size;
      int kind = rnd.nextInt(20);
      if (kind < 4) {
        size = 0;
      } else if (kind < 14) {
        size = rnd.nextInt(1, 65);
      } else if (kind < 19) {
        size = rnd.nextInt(65, 1025);
      } else {
        size = rnd.nextInt(max + 1);
      }
      byte[] b = new byte[Math.min(size, max)];
      rnd.nextBytes(b);
      return b;
    }

    /** Text-like bytes that compress: words from a small vocabulary. */
    byte[] compressible(int max) {
      int size = Math.min(max, rnd.nextInt(4) == 0 ? rnd.nextInt(max + 1) : rnd.nextInt(1, 400));
      byte[] b = new byte[size];
      String[] words = {"seglog ", "frame ", "record ", "index ", "{\"k\":", "42,", "zstd "};
      int i = 0;
      while (i < size) {
        byte[] w =
            words[rnd.nextInt(words.length)].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int n = Math.min(w.length, size - i);
        System.arraycopy(w, 0, b, i, n);
        i += n;
      }
      return b;
    }

    int type() {
      return switch (rnd.nextInt(4)) {
        case 0 -> 0;
        case 1 -> Entry.MAX_TYPE;
        default -> rnd.nextInt(Entry.MAX_TYPE + 1);
      };
    }

    void appendOne() {
      byte[] p = payload(config.maxRecordBytes());
      long expectedIndex = lastIndex() + 1;
      long index;
      long ts;
      int type = 0;
      switch (rnd.nextInt(6)) {
        case 4 -> {
          type = type();
          ts = rnd.nextLong(0, 1L << 45);
          note("appendAsync(Entry[" + p.length + "], type " + type + ", timestamp " + ts + ")");
          index = Futures.await(log.appendAsync(Entry.of(p, type, ts)));
        }
        case 5 -> {
          note("appendAsync(byte[" + p.length + "])");
          ts = clock.millis();
          index = Futures.await(log.appendAsync(p));
        }
        case 0 -> {
          note("append(byte[" + p.length + "])");
          ts = clock.millis();
          index = log.append(p);
        }
        case 1 -> {
          // a buffer whose remaining bytes are the payload, in the middle of a larger array
          byte[] wide = new byte[p.length + 7];
          System.arraycopy(p, 0, wide, 3, p.length);
          note("append(ByteBuffer[" + p.length + "])");
          ts = clock.millis();
          index = log.append(ByteBuffer.wrap(wide, 3, p.length));
        }
        case 2 -> {
          type = type();
          note("append(Entry[" + p.length + "], type " + type + ", assigned timestamp)");
          ts = clock.millis();
          index = log.append(Entry.of(p, type, Entry.ASSIGN_TIMESTAMP));
        }
        default -> {
          type = type();
          ts = rnd.nextInt(10) == 0 ? 0 : rnd.nextLong(0, Long.MAX_VALUE);
          note("append(Entry[" + p.length + "], type " + type + ", timestamp " + ts + ")");
          index = log.append(Entry.of(p, type, ts));
        }
      }
      assertThat(index).as("index of the appended record").isEqualTo(expectedIndex);
      model.add(new ExpectedRecord(index, ts, type, p));
      afterAppend();
    }

    void appendBatch() {
      int n = 1 + rnd.nextInt(rnd.nextInt(5) == 0 ? 40 : 8);
      List<Entry> entries = new ArrayList<>();
      List<ExpectedRecord> expected = new ArrayList<>();
      long next = lastIndex() + 1;
      long total = 0;
      long now = clock.millis();
      for (int i = 0; i < n; i++) {
        byte[] p = payload(Math.min(config.maxRecordBytes(), 1024));
        if (total + p.length > config.maxBatchBytes()) {
          break;
        }
        total += p.length;
        int type = type();
        boolean assign = rnd.nextBoolean();
        long ts = assign ? now : rnd.nextLong(0, 1L << 50);
        entries.add(Entry.of(p, type, assign ? Entry.ASSIGN_TIMESTAMP : ts));
        expected.add(new ExpectedRecord(next + i, ts, type, p));
      }
      boolean async = rnd.nextInt(3) == 0;
      note(
          (async ? "appendBatchAsync(" : "appendBatch(")
              + entries.size()
              + " entries, "
              + total
              + " bytes)");
      long index = async ? Futures.await(log.appendBatchAsync(entries)) : log.appendBatch(entries);
      assertThat(index).as("first index of the batch").isEqualTo(next);
      model.addAll(expected);
      afterAppend();
    }

    void afterAppend() {
      if (always) {
        assertThat(log.durableIndex()).as("durableIndex under ALWAYS").isEqualTo(lastIndex());
      }
    }

    void appendTooLarge() {
      long lastBefore = log.lastIndex();
      switch (rnd.nextInt(3)) {
        case 0 -> {
          note("append too large (" + (config.maxRecordBytes() + 1) + ")");
          assertThatThrownBy(() -> log.append(new byte[config.maxRecordBytes() + 1]))
              .isInstanceOf(RecordTooLargeException.class);
        }
        case 1 -> {
          int per = config.maxRecordBytes();
          int n = config.maxBatchBytes() / per + 1;
          List<Entry> batch = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            batch.add(Entry.of(new byte[per]));
          }
          note("appendBatch too large (" + n + " x " + per + ")");
          assertThatThrownBy(() -> log.appendBatch(batch))
              .isInstanceOf(RecordTooLargeException.class);
        }
        default -> {
          note("appendBatch(empty)");
          assertThatThrownBy(() -> log.appendBatch(List.of()))
              .isInstanceOf(IllegalArgumentException.class);
        }
      }
      assertThat(log.lastIndex()).as("lastIndex after a refused append").isEqualTo(lastBefore);
    }

    void readOne() {
      if (model.isEmpty() || rnd.nextInt(10) == 0) {
        long outside =
            rnd.nextBoolean() ? lastIndex() + 1 + rnd.nextInt(3) : first - 1 - rnd.nextInt(3);
        if (outside >= 0) {
          note("read(" + outside + ") outside");
          assertThatThrownBy(() -> log.read(outside)).isInstanceOf(IndexOutOfRangeException.class);
        }
        return;
      }
      int i = rnd.nextInt(model.size());
      note("read(" + model.get(i).index() + ")");
      LogChecks.assertRecord(model.get(i), log.read(model.get(i).index()));
    }

    /** Durable visibility: exactly the records up to durableIndex, never one beyond. */
    void readDurable() {
      long durable = log.durableIndex();
      note("read and reader with Visibility.DURABLE (durableIndex " + durable + ")");
      if (durable >= first) {
        int i = rnd.nextInt((int) (durable - first + 1));
        LogChecks.assertRecord(model.get(i), log.read(model.get(i).index(), Visibility.DURABLE));
      }
      // Under INTERVAL the background fsync may move durableIndex at any time, so only the
      // other policies can pin "one beyond" exactly.
      if (durable < lastIndex() && config.syncPolicy().kind() != SyncPolicy.Kind.INTERVAL) {
        long beyond = durable + 1 + rnd.nextInt((int) (lastIndex() - durable));
        assertThatThrownBy(() -> log.read(beyond, Visibility.DURABLE))
            .isInstanceOf(IndexOutOfRangeException.class);
      }
      long from = first + rnd.nextInt((int) (durable - first + 2));
      try (LogReader reader = log.reader(from, Long.MAX_VALUE, Visibility.DURABLE)) {
        long durableAfter = log.durableIndex();
        long next = from;
        while (reader.hasNext()) {
          LogChecks.assertRecord(model.get((int) (next - first)), reader.next());
          next++;
        }
        assertThat(next - 1)
            .as("a DURABLE reader stops at durableIndex as it was when it was created")
            .isBetween(durable, durableAfter);
      }
    }

    void readRange() {
      long from = first + rnd.nextInt(model.size() + 1);
      long to = from + rnd.nextInt((int) (lastIndex() + 3 - from));
      note("reader(" + from + ", " + to + ")");
      LogChecks.assertReader(log, from, to, model);
    }

    void roll() {
      note("roll");
      log.roll();
      if (rnd.nextBoolean()) {
        appendOne();
        long base = lastIndex();
        assertThat(io.exists(dir.resolve(FileNames.segment(base))))
            .as("the append after roll() starts a segment at its index")
            .isTrue();
      }
    }

    void reopen() throws IOException {
      note("close+reopen");
      log.close();
      assertThatThrownBy(() -> log.append(new byte[1])).isInstanceOf(LogClosedException.class);
      checkFiles();
      if (coded && rnd.nextInt(3) == 0) {
        config = recode(config);
      }
      openWritable();
      assertThat(log.recoveryReport().cuts()).as("cuts after a clean close").isEmpty();
      assertThat(log.firstIndex()).as("firstIndex after reopen").isEqualTo(first);
      assertThat(log.durableIndex()).as("durableIndex after a clean close").isEqualTo(lastIndex());
      lastDurable = log.durableIndex();
      if (rnd.nextInt(3) == 0) {
        LogChecks.assertExactly(log, first, model);
      }
    }

    void readOnly() {
      boolean closeFirst = rnd.nextBoolean();
      note("openReadOnly" + (closeFirst ? " after close" : " beside the writer"));
      if (closeFirst) {
        log.close();
      }
      long durable = closeFirst ? lastIndex() : log.durableIndex();
      try (Log ro = SegmentedLog.openReadOnly(dir, config, io)) {
        if (closeFirst || config.writeBufferBytes() == 0) {
          LogChecks.assertExactly(ro, first, model);
        } else {
          // Another opener reads the files: it sees what the writer flushed, at least what is
          // durable, never what was not appended.
          long count = ro.lastIndex() - first + 1;
          assertThat(count)
              .as("records a read-only opener sees beside a buffering writer")
              .isBetween(durable - first + 1, (long) model.size());
          LogChecks.assertExactly(ro, first, model.subList(0, (int) count));
        }
        assertThatThrownBy(() -> ro.append(new byte[1]))
            .isInstanceOf(UnsupportedOperationException.class);
      }
      if (closeFirst) {
        openWritable();
        lastDurable = log.durableIndex();
      }
    }

    /** Extent invariants, after every operation. */
    void checkExtent() {
      assertThat(log.firstIndex()).as("firstIndex").isEqualTo(first);
      assertThat(log.lastIndex()).as("lastIndex").isEqualTo(lastIndex());
      long durable = log.durableIndex();
      assertThat(durable).as("durableIndex <= lastIndex").isLessThanOrEqualTo(lastIndex());
      assertThat(durable).as("durableIndex never goes back").isGreaterThanOrEqualTo(lastDurable);
      lastDurable = durable;
      LogStats stats = log.stats();
      assertThat(stats.firstIndex()).as("stats.firstIndex").isEqualTo(first);
      assertThat(stats.lastIndex()).as("stats.lastIndex").isEqualTo(lastIndex());
      assertThat(stats.recordCount()).as("stats.recordCount").isEqualTo(model.size());
      checkStateMachine();
    }

    /**
     * A streamed append (within its bound, over it, or from a source that fails), then a streamed
     * read of a random record. A log that encrypts or feeds a state machine refuses streamed
     * records and stays as it was.
     */
    void streamedAppend() throws IOException {
      int bound = config.maxStreamedRecordBytes();
      if (config.encryption() != null || withStateMachine) {
        long lastBefore = log.lastIndex();
        note("appendStream refused: the log encrypts or feeds a state machine");
        assertThatThrownBy(
                () -> log.appendStream(new java.io.ByteArrayInputStream(new byte[] {1}), bound))
            .isInstanceOf(UnsupportedOperationException.class);
        assertThat(log.lastIndex()).as("lastIndex after a refused stream").isEqualTo(lastBefore);
        return;
      }
      int size =
          switch (streamRnd.nextInt(4)) {
            case 0 -> streamRnd.nextInt(Math.min(bound, 64) + 1);
            case 1 -> streamRnd.nextInt(bound + 1);
            default -> bound - streamRnd.nextInt(Math.min(bound, 100) + 1);
          };
      byte[] p = new byte[size];
      streamRnd.nextBytes(p);
      int outcome = streamRnd.nextInt(6);
      long lastBefore = log.lastIndex();
      if (outcome == 0) {
        note("appendStream(" + size + " bytes, bound " + (size - 1) + ") too large");
        assertThatThrownBy(() -> log.appendStream(new java.io.ByteArrayInputStream(p), size - 1L))
            .isInstanceOf(
                size == 0 ? IllegalArgumentException.class : RecordTooLargeException.class);
        assertThat(log.lastIndex()).as("lastIndex after a refused stream").isEqualTo(lastBefore);
      } else if (outcome == 1) {
        int failAt = streamRnd.nextInt(size + 1);
        note("appendStream(" + size + " bytes) failing after " + failAt);
        java.io.InputStream failing =
            new java.io.SequenceInputStream(
                new java.io.ByteArrayInputStream(p, 0, failAt),
                new java.io.InputStream() {
                  @Override
                  public int read() throws IOException {
                    throw new IOException("source failed");
                  }
                });
        assertThatThrownBy(() -> log.appendStream(failing, bound))
            .isInstanceOf(IOException.class)
            .hasMessage("source failed");
        assertThat(log.lastIndex()).as("lastIndex after a failed stream").isEqualTo(lastBefore);
      } else {
        boolean given = streamRnd.nextBoolean();
        int type = given ? streamRnd.nextInt(Entry.MAX_TYPE + 1) : 0;
        long ts = given ? streamRnd.nextLong(0, 1L << 50) : clock.millis();
        note(
            "appendStream("
                + size
                + " bytes"
                + (given ? ", type " + type + ", ts " + ts : "")
                + ")");
        long index =
            given
                ? log.appendStream(
                    java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(p)),
                    bound,
                    type,
                    ts)
                : log.appendStream(new java.io.ByteArrayInputStream(p), bound);
        assertThat(index).as("index of the streamed record").isEqualTo(lastIndex() + 1);
        model.add(new ExpectedRecord(index, ts, type, p));
        streamed.add(index);
        afterAppend();
      }
      if (!model.isEmpty()) {
        ExpectedRecord e = model.get(streamRnd.nextInt(model.size()));
        note("readStream(" + e.index() + ")");
        try (java.io.InputStream in = log.readStream(e.index())) {
          assertThat(in.readAllBytes()).as("readStream(" + e.index() + ")").isEqualTo(e.payload());
        }
      }
    }

    void checkFiles() {
      List<Path> segments = SegmentScan.segments(io, dir);
      assertThat(segments).as("segments").isNotEmpty();
      long expectedBase = FileNames.baseIndexOf(segments.get(0).getFileName().toString());
      assertThat(expectedBase)
          .as("first segment's base (<= the first index)")
          .isLessThanOrEqualTo(first);
      if (segments.size() > 1) {
        long second = FileNames.baseIndexOf(segments.get(1).getFileName().toString());
        // (the active segment is kept even when wholly below; the roll that seals it removes it)
        assertThat(second)
            .as("no sealed segment wholly below the first index")
            .isGreaterThan(first);
      }
      for (Path s : segments) {
        long base = FileNames.baseIndexOf(s.getFileName().toString());
        List<SegmentScan.Frame> frames = SegmentScan.recordFrames(io, s);
        long checkpointBytes; // checkpoint frames may take a segment past segmentBytes (issue 6)
        try {
          checkpointBytes =
              SegmentScan.frames(DirectorySnapshot.readAll(io, s)).stream()
                  .filter(f -> f.type() == SegmentFormat.FRAME_CHECKPOINT)
                  .mapToLong(SegmentScan.Frame::length)
                  .sum();
        } catch (IOException e) {
          throw new AssertionError(e);
        }
        long records = frames.stream().mapToLong(SegmentScan.Frame::recordCount).sum();
        assertThat(base).as("base index of " + s).isEqualTo(expectedBase);
        expectedBase = base + records;
        if (config.segmentMaxRecords() > 0 && !frames.isEmpty()) {
          // a batch is one frame and is never split, so only the records before the last frame
          // are bounded by the cap
          long beforeLast = records - frames.get(frames.size() - 1).recordCount();
          assertThat(beforeLast)
              .as("records in " + s + " before its last frame (segmentMaxRecords)")
              .isLessThan(config.segmentMaxRecords());
        }
        try {
          if (frames.size() > 1) {
            // a streamed record goes at the end of the active segment whatever its length: only
            // such a record, last, may take a segment past segmentBytes; so may checkpoint frames
            SegmentScan.Frame last = frames.get(frames.size() - 1);
            boolean streamedLast = streamed.contains(last.firstIndex());
            assertThat(
                    (streamedLast
                            ? frames.get(frames.size() - 2).end()
                                + SegmentFormat.TRAILER_FRAME_BYTES
                            : (long) DirectorySnapshot.readAll(io, s).length)
                        - checkpointBytes)
                .as("size of " + s + " without checkpoint frames (segmentBytes)")
                .isLessThanOrEqualTo(config.segmentBytes());
          }
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
      assertThat(expectedBase).as("index after the last segment").isEqualTo(lastIndex() + 1);
    }

    // ---- with a state machine (issue 6)

    final boolean withStateMachine;
    DigestStateMachine sm;
    final List<Long> digests = new ArrayList<>(); // digest after each index, from the initial one
    long initialFirst = Long.MIN_VALUE;

    void openWritable() {
      if (!withStateMachine) {
        log = SegmentedLog.open(dir, config, io);
        return;
      }
      sm = new DigestStateMachine();
      StateMachineLog l = CheckpointedLog.open(dir, config, io, sm, null);
      log = l;
      ReplayReport r = l.replayReport();
      note("  replay: " + r);
      long from = r.checkpoint() == null ? first : r.checkpoint().index() + 1;
      assertThat(r.fromIndex()).as("replay start").isEqualTo(from);
      assertThat(r.recordsReplayed()).as("records replayed").isEqualTo(lastIndex() + 1 - from);
      assertThat(r.skipped()).as("checkpoints skipped on a clean log").isEmpty();
      checkStateMachine();
    }

    /** The state machine has applied exactly the model's records, in order. */
    void checkStateMachine() {
      if (!withStateMachine) {
        return;
      }
      if (initialFirst == Long.MIN_VALUE) {
        initialFirst = first;
      }
      while (digests.size() < lastIndex() + 1 - initialFirst) {
        long index = initialFirst + digests.size();
        ExpectedRecord e = model.get((int) (index - first));
        long before = digests.isEmpty() ? 0 : digests.get(digests.size() - 1);
        digests.add(
            DigestStateMachine.mix(before, e.index(), e.timestamp(), e.type(), e.payload()));
      }
      if (lastIndex() < initialFirst) {
        assertThat(sm.lastApplied).as("state machine: nothing applied").isEqualTo(Long.MIN_VALUE);
        assertThat(sm.digest).as("state machine: empty").isZero();
        return;
      }
      assertThat(sm.lastApplied).as("state machine: last applied").isEqualTo(lastIndex());
      assertThat(sm.digest)
          .as("state machine: digest of every record applied")
          .isEqualTo(digests.get((int) (lastIndex() - initialFirst)));
    }

    void stateMachineStep() throws IOException {
      StateMachineLog l = (StateMachineLog) log;
      switch (rnd.nextInt(5)) {
        case 0 -> {
          note("checkpoint");
          CheckpointInfo c = l.checkpoint();
          assertThat(c.index()).as("checkpoint index").isEqualTo(lastIndex());
        }
        case 1 -> {
          note("roll (a checkpoint begins the new segment)");
          l.roll();
        }
        case 2 -> purge(l);
        default -> reopen();
      }
    }

    /** purgeTo or purgeWhile: whole segments before a durable checkpoint go, the state stays. */
    void purge(StateMachineLog l) {
      List<CheckpointInfo> before = l.checkpoints();
      long oldFirst = first;
      long newFirst;
      if (rnd.nextBoolean()) {
        long to = first - 1 + rnd.nextLong(model.size() + 2);
        note("purgeTo(" + to + ")");
        newFirst = l.purgeTo(to);
        assertThat(newFirst - 1)
            .as("purgeTo never removes a record above its index")
            .isLessThanOrEqualTo(Math.max(to, oldFirst - 1));
      } else {
        long below = first + rnd.nextLong(model.size() + 1);
        note("purgeWhile(index < " + below + ")");
        newFirst = l.purgeWhile(c -> c.index() < below);
        assertThat(newFirst - 1).isLessThanOrEqualTo(Math.max(below - 1, oldFirst - 1));
      }
      assertThat(newFirst)
          .as("purge result")
          .isEqualTo(log.firstIndex())
          .isGreaterThanOrEqualTo(oldFirst);
      if (newFirst > oldFirst) {
        assertThat(log.segments().get(0).baseIndex())
            .as("purging removes whole segments")
            .isEqualTo(newFirst);
        assertThat(before)
            .as("a checkpoint covers the new first index - 1")
            .anyMatch(c -> c.index() == newFirst - 1);
        model.subList(0, (int) (newFirst - oldFirst)).clear();
        first = newFirst;
      }
    }

    static String tail(StringBuilder history) {
      String[] lines = history.toString().split("\n");
      StringBuilder sb = new StringBuilder();
      for (int i = Math.max(0, lines.length - Integer.getInteger("seglog.model.history", 25));
          i < lines.length;
          i++) {
        sb.append("  ").append(lines[i]).append('\n');
      }
      return sb.toString();
    }
  }
}
