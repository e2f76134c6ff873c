package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.RecoveryMode;
import io.seglog.RecoveryReport;
import io.seglog.SegmentInfo;
import io.seglog.SyncPolicy;
import io.seglog.internal.log.PackedFrameProbe;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.Futures;
import io.seglog.testing.LogChecks;
import io.seglog.testing.TestClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model-based test driven through simulated power losses: seeded random sequences of log
 * operations (appends, batches, {@code appendAsync} pipelines, {@code sync()}, {@code roll()},
 * clean reopens, reads) under ALWAYS, NONE or INTERVAL, against a model of what was written, that
 * now and then lose the power through seglog-core's durability model (unsynced data and directory
 * operations not covered by a directory fsync vanish), sometimes in the middle of an I/O operation
 * ({@code crashAtOperation}), and sometimes with part of the unsynced writes put back: an in-order
 * prefix with the last one torn, or a random subset of each file in any order with one torn ({@link
 * UnsyncedWrites}). After each power loss the log is reopened and must hold a prefix of the model
 * that reaches every promised index (an append that returned under ALWAYS, an {@code appendAsync}
 * future completed before the power went, what {@code sync()} returned, any value {@code
 * durableIndex()} reported), record by record with exact payload, type and timestamp; the model is
 * cut to what survived and the sequence goes on with appends on the recovered log.
 *
 * <p>A second set of seeds runs packed single appends ({@link
 * #packedAppendsSurvivePowerLossesAndCrashesAsTheModelSays}): a write buffer under NONE or
 * INTERVAL, runs of single appends that share frames, streamed records and {@code truncateAfter}
 * near the end (both seal an open frame first), process crashes (the written bytes stay, the buffer
 * and the open frame are lost) besides power losses, and waits for the interval syncer to seal and
 * fsync an open frame by itself. After every reopen the recovery must have run in the default mode
 * and cut nothing but the end of the last segment.
 *
 * <p>Replay one seed with {@code -Dtest=ModelCrashTest -Dseglog.model.seed=N}; the failure message
 * carries the history of operations and power losses. The number of seeds is {@value #SEEDS} times
 * {@code seglog.test.scale}.
 */
class ModelCrashTest {
  static final int SEEDS = 150;
  static final long BASE_SEED = 85_000;

  /** Totals over the seeds of one run, printed at the end of each seed's run. */
  static final long[] TOTALS = new long[9];

  // indices into TOTALS
  private static final int SEEDS_RUN = 0;
  private static final int POWER_LOSSES = 1;
  private static final int PROMISED = 2;
  private static final int HOLES = 3;
  private static final int KEPT = 4;
  private static final int OPS = 5;
  private static final int IN_OPERATION = 6;
  private static final int ASYNC_IN_FLIGHT = 7;
  private static final int NEWLY_PROMISED = 8;

  static LongStream seeds() {
    return seeds("seglog.model.seed", BASE_SEED, SEEDS);
  }

  /** The one seed {@code property} names, else {@code count} (scaled) seeds from {@code base}. */
  private static LongStream seeds(String property, long base, int count) {
    String one = System.getProperty(property);
    if (one != null) {
      return LongStream.of(Long.parseLong(one));
    }
    long first = Scale.seed(base);
    return LongStream.range(first, first + Scale.of(count));
  }

  @TempDir(factory = MemoryTempDirFactory.class)
  Path tmp;

  @ParameterizedTest(name = "seed={0}")
  @MethodSource("seeds")
  void powerLossesAgreeWithTheModel(long seed) throws IOException {
    Run run = new Run(seed, tmp.resolve("log"));
    try {
      run.run();
    } catch (AssertionError | RuntimeException | IOException e) {
      throw new AssertionError(
          "seed "
              + seed
              + " (replay: -Dtest=ModelCrashTest -Dseglog.model.seed="
              + seed
              + ")\n"
              + run.config
              + "\nhistory (last 40):\n"
              + run.tail(40)
              + e,
          e);
    } finally {
      run.closeQuietly();
    }
    synchronized (TOTALS) {
      TOTALS[SEEDS_RUN]++;
      TOTALS[POWER_LOSSES] += run.powerLosses;
      TOTALS[PROMISED] += run.promisedChecked;
      TOTALS[HOLES] += run.holes;
      TOTALS[KEPT] += run.keptWrites;
      TOTALS[OPS] += run.operations;
      TOTALS[IN_OPERATION] += run.inOperation;
      TOTALS[ASYNC_IN_FLIGHT] += run.asyncInFlight;
      TOTALS[NEWLY_PROMISED] += run.newlyPromised;
      System.out.printf(
          "ModelCrashTest totals after %d seeds: %d operations, %d power losses (%d inside an"
              + " I/O operation, %d with appendAsync in flight), %d records newly promised"
              + " before them (%d promised records checked, summed over the power losses), %d"
              + " unsynced writes put back, %d files with a reordering hole; none lost%n",
          TOTALS[SEEDS_RUN],
          TOTALS[OPS],
          TOTALS[POWER_LOSSES],
          TOTALS[IN_OPERATION],
          TOTALS[ASYNC_IN_FLIGHT],
          TOTALS[NEWLY_PROMISED],
          TOTALS[PROMISED],
          TOTALS[KEPT],
          TOTALS[HOLES]);
    }
  }

  /** Seeds of the packed-appends runs: {@value #PACKED_SEEDS} times {@code seglog.test.scale}. */
  static final int PACKED_SEEDS = 100;

  static final long PACKED_BASE_SEED = 86_000;

  static LongStream packedSeeds() {
    return seeds("seglog.model.packedSeed", PACKED_BASE_SEED, PACKED_SEEDS);
  }

  /**
   * The same model under packed single appends (a write buffer under NONE or INTERVAL, see {@code
   * SegmentedLog}'s class note): runs of single appends share open frames of up to 16 records, so
   * power losses and process crashes come between the appends of one frame, with a frame open in
   * the buffer, in the middle of a buffer flush (torn when unsynced writes are put back), and
   * between a seal and its flush. Nothing promised may be lost; unsynced appends may vanish, but
   * only from the end. Replay one seed with {@code -Dseglog.model.packedSeed=N}.
   */
  @ParameterizedTest(name = "seed={0}")
  @MethodSource("packedSeeds")
  void packedAppendsSurvivePowerLossesAndCrashesAsTheModelSays(long seed) throws IOException {
    Run run = new Run(seed, tmp.resolve("log"), true);
    try {
      run.run();
    } catch (AssertionError | RuntimeException | IOException e) {
      throw new AssertionError(
          "seed "
              + seed
              + " (replay: -Dtest=ModelCrashTest -Dseglog.model.packedSeed="
              + seed
              + ")\n"
              + run.config
              + "\nhistory (last 60):\n"
              + run.tail(60)
              + e,
          e);
    } finally {
      run.closeQuietly();
    }
    synchronized (PACKED_TOTALS) {
      PACKED_TOTALS[0]++;
      PACKED_TOTALS[1] += run.powerLosses;
      PACKED_TOTALS[2] += run.processCrashes;
      PACKED_TOTALS[3] += run.withOpenFrame;
      PACKED_TOTALS[4] += run.newlyPromised;
      PACKED_TOTALS[5] += run.keptWrites;
      PACKED_TOTALS[6] += run.lostUnpromised;
      PACKED_TOTALS[7] += run.syncerAwaited;
      PACKED_TOTALS[8] += run.inOperation;
      System.out.printf(
          "ModelCrashTest packed totals after %d seeds: %d power losses, %d process crashes"
              + " (%d of all inside an I/O operation, %d with a frame open), %d records newly"
              + " promised before them, %d unsynced writes put back, %d unpromised records lost,"
              + " %d times the interval syncer alone made every record durable; none promised"
              + " lost%n",
          PACKED_TOTALS[0],
          PACKED_TOTALS[1],
          PACKED_TOTALS[2],
          PACKED_TOTALS[8],
          PACKED_TOTALS[3],
          PACKED_TOTALS[4],
          PACKED_TOTALS[5],
          PACKED_TOTALS[6],
          PACKED_TOTALS[7]);
    }
  }

  static final long[] PACKED_TOTALS = new long[9];

  /** One seed's run. */
  private static final class Run {
    final long seed;
    final SplittableRandom rnd;
    final Path dir;
    final TestClock clock = new TestClock(1_700_000_000_000L);
    final LogConfig config;
    final boolean always;
    final long first;
    final int operations;

    /** Every record handed to the log that may still be in it, index {@code first + i}. */
    final List<ExpectedRecord> model = new ArrayList<>();

    /** The highest index promised durable since the model was last checked against the disk. */
    long promised;

    final List<String> history = new ArrayList<>();
    FaultInjectingFileIO fio;
    UnsyncedWrites unsynced;
    Log log;
    int powerLosses;
    long promisedChecked;
    long holes;
    long keptWrites;
    int inOperation;
    int asyncInFlight;
    long newlyPromised;

    /** The highest index checked present after the previous power loss. */
    long checkedBefore;

    /** Packed single appends: a write buffer under NONE or INTERVAL, runs of single appends. */
    final boolean packed;

    int processCrashes;
    int syncerAwaited;
    int withOpenFrame;
    long lostUnpromised;

    Run(long seed, Path dir) {
      this(seed, dir, false);
    }

    Run(long seed, Path dir, boolean packed) {
      this.seed = seed;
      this.rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 23);
      this.dir = dir;
      this.packed = packed;
      if (packed) {
        always = false;
        SyncPolicy syncPolicy =
            rnd.nextBoolean()
                ? SyncPolicy.NONE
                : SyncPolicy.interval(Duration.ofMillis(1 + rnd.nextInt(10)));
        first = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(1_000_000) : 1;
        int buffer =
            switch (rnd.nextInt(4)) {
              case 0, 1 -> 1024;
              case 2 -> 64 * 1024; // at most segmentBytes is allocated: the whole segment
              default -> LogConfig.MIN_WRITE_BUFFER_BYTES + rnd.nextInt(4096);
            };
        config =
            LogConfig.builder()
                .syncPolicy(syncPolicy)
                .writeBufferBytes(buffer)
                .segmentBytes(4096 + rnd.nextInt(8192))
                .maxRecordBytes(1024)
                .maxBatchBytes(4096)
                .maxStreamedRecordBytes(4096)
                .segmentMaxRecords(rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(40) : 0)
                .initialIndex(first)
                .clock(clock)
                .build();
        operations = 80 + rnd.nextInt(120);
        promised = first - 1;
        return;
      }
      int policy = rnd.nextInt(3);
      always = policy == 0;
      SyncPolicy syncPolicy =
          switch (policy) {
            case 0 -> SyncPolicy.ALWAYS;
            case 1 -> SyncPolicy.NONE;
            default -> SyncPolicy.interval(Duration.ofMillis(1 + rnd.nextInt(10)));
          };
      first =
          switch (rnd.nextInt(3)) {
            case 0 -> 0;
            case 1 -> 1 + rnd.nextInt(1_000_000);
            default -> 1;
          };
      config =
          LogConfig.builder()
              .syncPolicy(syncPolicy)
              .segmentBytes(4096 + rnd.nextInt(8192))
              .maxRecordBytes(1024)
              .maxBatchBytes(4096)
              .segmentMaxRecords(rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(20) : 0)
              .initialIndex(first)
              .clock(clock)
              .build();
      operations = 80 + rnd.nextInt(120);
      promised = first - 1;
    }

    long lastIndex() {
      return first + model.size() - 1;
    }

    void note(String s) {
      history.add(s);
    }

    String tail(int n) {
      StringBuilder sb = new StringBuilder();
      for (int i = Math.max(0, history.size() - n); i < history.size(); i++) {
        sb.append("  ").append(history.get(i)).append('\n');
      }
      return sb.toString();
    }

    void open() {
      fio = new FaultInjectingFileIO().trackDurability(dir);
      unsynced = new UnsyncedWrites(fio);
      log = SegmentedLog.open(dir, config, unsynced);
    }

    void run() throws IOException {
      // A healthy, durable log to start from: a power loss during its creation is not the subject.
      try (Log created = Log.open(dir, config)) {
        assertThat(created.lastIndex()).isEqualTo(first - 1);
      }
      open();
      for (int op = 0; op < operations; op++) {
        clock.advance(rnd.nextInt(3));
        int dice = rnd.nextInt(100);
        if (dice < 6) {
          powerLoss("power loss between operations");
          continue;
        }
        if (dice < (packed ? 15 : 10) && !fio.crashed()) {
          long at = fio.totalOperations() + rnd.nextInt(1, 40);
          note("arm: power goes at I/O operation " + at);
          fio.crashAtOperation(at);
        }
        if (packed && dice < 9) {
          crash("process crash between operations", false);
          continue;
        }
        try {
          if (packed) {
            packedStep(dice);
          } else {
            step(dice);
          }
          observeDurable();
        } catch (RuntimeException e) {
          if (!fio.crashed()) {
            throw e;
          }
          note("  -> failed by the crash: " + e);
          if (packed && rnd.nextInt(3) == 0) {
            crash("process crash in an operation", false);
          } else {
            powerLoss("power loss in an operation");
          }
        }
      }
      powerLoss("final power loss");
      log.close();
      log = Log.openReadOnly(dir, config);
      LogChecks.assertExactly(log, first, model);
    }

    void step(int dice) throws IOException {
      if (dice < 40) {
        appendOne();
      } else if (dice < 55) {
        appendBatch();
      } else if (dice < 65) {
        asyncPipeline();
      } else if (dice < 75) {
        syncNow();
      } else if (dice < 82) {
        rollNow();
      } else if (dice < 86) {
        closeAndReopen();
      } else {
        readSome();
      }
    }

    /**
     * Packed runs: mostly runs of single appends (1 to 40, so frames fill, overflow and roll),
     * reads now and then (which seal the open frame), and the other operations more rarely.
     */
    void packedStep(int dice) throws IOException {
      if (dice < 50) {
        int n = rnd.nextInt(1, 41);
        for (int i = 0; i < n; i++) {
          appendOne();
        }
      } else if (dice < 56) {
        appendBatch();
      } else if (dice < 59) {
        asyncPipeline();
      } else if (dice < 62) {
        appendStreamed();
      } else if (dice < 65) {
        truncateNearTheEnd();
      } else if (dice < 68 && config.syncPolicy().kind() == SyncPolicy.Kind.INTERVAL) {
        // No call that syncs: the interval syncer seals the open frame and fsyncs it by itself.
        boolean done = Workload.awaitBackgroundSync(log, lastIndex(), fio::crashed);
        note("await the interval syncer up to " + lastIndex() + (done ? "" : ": gave up"));
        syncerAwaited += done ? 1 : 0;
      } else if (dice < 72) {
        syncNow();
      } else if (dice < 78) {
        rollNow();
      } else if (dice < 81) {
        closeAndReopen();
      } else {
        readSome();
      }
    }

    void syncNow() {
      note("sync");
      long durable = log.sync();
      assertThat(durable).as("sync() result").isEqualTo(lastIndex());
      promise(durable);
    }

    void rollNow() {
      note("roll");
      log.roll();
    }

    /** A clean close and reopen: nothing cut, every record there. */
    void closeAndReopen() throws IOException {
      note("close+reopen");
      log.close();
      if (fio.crashed()) {
        throw new IllegalStateException("the power went during close()");
      }
      open();
      assertThat(log.recoveryReport().cuts()).as("cuts after a clean close").isEmpty();
      LogChecks.assertExactly(log, first, model);
      promise(lastIndex());
    }

    /** A streamed record (written to the file past the buffer, after the open frame is sealed). */
    void appendStreamed() throws IOException {
      long index = lastIndex() + 1;
      byte[] p = Payloads.make("s" + seed, index, rnd, 1000 + rnd.nextInt(2000));
      ExpectedRecord e = new ExpectedRecord(index, rnd.nextLong(0, 1L << 45), rnd.nextInt(256), p);
      note("appendStream " + index + " (" + p.length + " bytes)");
      model.add(e);
      long got =
          log.appendStream(
              Channels.newChannel(new ByteArrayInputStream(p)), p.length, e.type(), e.timestamp());
      assertThat(got).as("index of appendStream").isEqualTo(index);
    }

    /**
     * {@code truncateAfter} of one of the last 20 records: often inside the open frame or a frame
     * still in the buffer. Durable when it returns, with every kept record; a crash inside it opens
     * the log untouched or truncated, so until it returns nothing after the cut point is promised.
     */
    void truncateNearTheEnd() {
      long to = Math.max(first - 1, lastIndex() - rnd.nextInt(0, 21));
      note("truncateAfter " + to);
      promised = Math.min(promised, to);
      boolean cuts = to < lastIndex(); // truncateAfter(lastIndex()) does nothing, syncs nothing
      log.truncateAfter(to);
      model.subList((int) (to - first + 1), model.size()).clear();
      if (cuts) {
        promise(to);
      }
    }

    void promise(long index) {
      if (index > promised) {
        promised = index;
      }
    }

    void observeDurable() {
      long d = log.durableIndex();
      assertThat(d).as("durableIndex <= lastIndex").isLessThanOrEqualTo(lastIndex());
      promise(d);
    }

    byte[] payload(long index) {
      return Payloads.make("s" + seed, index, rnd, rnd.nextInt(8) == 0 ? 900 : 120);
    }

    ExpectedRecord next(boolean explicit) {
      long index = lastIndex() + 1;
      byte[] p = payload(index);
      if (explicit) {
        return new ExpectedRecord(index, rnd.nextLong(0, 1L << 45), rnd.nextInt(256), p);
      }
      return new ExpectedRecord(index, clock.millis(), 0, p);
    }

    static Entry entry(ExpectedRecord e) {
      return Entry.of(e.payload(), e.type(), e.timestamp());
    }

    void appendOne() {
      boolean explicit = rnd.nextBoolean();
      ExpectedRecord e = next(explicit);
      note("append " + e.index() + (explicit ? " (entry)" : ""));
      model.add(e); // handed to the log: may be in it after a crash even if the call fails
      long index = explicit ? log.append(entry(e)) : log.append(e.payload());
      assertThat(index).as("index of the append").isEqualTo(e.index());
      if (always) {
        promise(index);
      }
    }

    void appendBatch() {
      int n = rnd.nextInt(2, 9);
      List<Entry> entries = new ArrayList<>();
      long firstOfBatch = lastIndex() + 1;
      int bytes = 0;
      for (int i = 0; i < n; i++) {
        ExpectedRecord e = next(true);
        if (bytes + e.payload().length > config.maxBatchBytes()) {
          break;
        }
        bytes += e.payload().length;
        model.add(e);
        entries.add(entry(e));
      }
      note("appendBatch " + firstOfBatch + ".." + lastIndex());
      long index = log.appendBatch(entries);
      assertThat(index).as("first index of the batch").isEqualTo(firstOfBatch);
      if (always) {
        promise(lastIndex());
      }
    }

    /**
     * Several {@code appendAsync} calls in flight (group commit under ALWAYS); sometimes the power
     * goes while they are, and only the futures completed before it count as promised.
     */
    void asyncPipeline() throws IOException {
      int n = rnd.nextInt(2, 17);
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      long from = lastIndex() + 1;
      for (int i = 0; i < n; i++) {
        ExpectedRecord e = next(rnd.nextBoolean());
        model.add(e);
        futures.add(
            rnd.nextBoolean()
                ? log.appendAsync(entry(e))
                : log.appendBatchAsync(List.of(entry(e))));
      }
      boolean cut = rnd.nextInt(3) == 0;
      note("appendAsync x" + n + " " + from + ".." + lastIndex() + (cut ? ", power cut" : ""));
      if (cut) {
        // Completed before the power goes: those are promised (under ALWAYS).
        long done = from - 1;
        for (CompletableFuture<Long> f : futures) {
          if (f.isDone() && !f.isCompletedExceptionally()) {
            done = f.join();
          } else {
            break;
          }
        }
        if (always) {
          promise(done);
        }
        note("  futures completed before the power loss: up to " + done);
        promise(log.durableIndex());
        powerLoss("power loss with appendAsync in flight");
        return;
      }
      for (int i = 0; i < n; i++) {
        assertThat(Futures.await(futures.get(i))).as("index of appendAsync").isEqualTo(from + i);
      }
      if (always) {
        promise(lastIndex());
      }
    }

    void readSome() {
      if (model.isEmpty()) {
        return;
      }
      int i = rnd.nextInt(model.size());
      note("read " + model.get(i).index());
      LogChecks.assertRecord(model.get(i), log.read(model.get(i).index()));
      long from = first + rnd.nextInt(model.size());
      long to = Math.min(lastIndex() + 1, from + rnd.nextInt(1, 30));
      LogChecks.assertReader(log, from, to, model);
    }

    /**
     * The power goes: the durability model rewrites the directory to what was durable, part of the
     * unsynced writes may be put back, and the log is reopened and checked against the model.
     */
    void powerLoss(String why) throws IOException {
      crash(why, true);
    }

    /**
     * The power goes ({@code power}) or only the process dies: then every byte written to a file
     * stays (the page cache survives) and only what the engine held in memory (its write buffer, an
     * open frame) is lost. Either way the log is reopened in the default mode and checked.
     */
    void crash(String why, boolean power) throws IOException {
      if (!fio.crashed()) {
        promise(log.durableIndex());
      }
      if (packed && PackedFrameProbe.hasOpenFrame(log)) {
        withOpenFrame++;
        why += " (a frame open)";
      }
      long mustHave = promised;
      if (fio.crashed()) {
        inOperation++;
      } else if (why.contains("appendAsync")) {
        asyncInFlight++;
      }
      newlyPromised += Math.max(0, mustHave - Math.max(checkedBefore, first - 1));
      if (power) {
        fio.powerLoss();
      } else {
        fio.crash();
      }
      Log dead = log;
      try {
        dead.close(); // stops its background work; every I/O of it fails now
      } catch (RuntimeException ignored) {
        // the process is dead
      }
      String replay;
      if (power) {
        replay =
            switch (rnd.nextInt(3)) {
              case 0 -> "all unsynced writes lost";
              case 1 -> unsynced.replayPrefix(rnd);
              default -> unsynced.replaySubset(rnd);
            };
        holes += unsynced.filesWithHoles();
        keptWrites += unsynced.putBack();
        powerLosses++;
      } else {
        replay = "every written byte kept";
        processCrashes++;
      }
      note(
          why + " (promised up to " + mustHave + ", written up to " + lastIndex() + "); " + replay);
      open();
      long last = log.lastIndex();
      note("  reopened: lastIndex " + last + ", report " + log.recoveryReport());
      checkRecoveryCutOnlyTheTail();
      lostUnpromised += Math.max(0, lastIndex() - last);
      assertThat(log.firstIndex()).as("firstIndex after the power loss").isEqualTo(first);
      assertThat(last)
          .as("LOST ACKNOWLEDGED RECORDS: lastIndex after the power loss, promised %d", mustHave)
          .isGreaterThanOrEqualTo(mustHave);
      assertThat(last)
          .as("INVENTED RECORDS: lastIndex after the power loss, written up to %d", lastIndex())
          .isLessThanOrEqualTo(lastIndex());
      model.subList((int) (last - first + 1), model.size()).clear();
      LogChecks.assertExactly(log, first, model);
      promisedChecked += mustHave - first + 1;
      checkedBefore = Math.max(checkedBefore, mustHave);
      // What recovery kept is now on disk as it is, and the model says exactly that.
      promised = Math.max(first - 1, log.durableIndex());
      // Appends go on after recovery.
      ExpectedRecord e = next(false);
      model.add(e);
      assertThat(log.append(e.payload())).as("append after recovery").isEqualTo(e.index());
      if (always) {
        promise(e.index());
      }
      note("  append after recovery: " + e.index());
    }

    /**
     * The open ran in the default mode ({@code TAIL}: a refused open threw already) and cut nothing
     * but the end of the last segment.
     */
    void checkRecoveryCutOnlyTheTail() {
      RecoveryReport report = log.recoveryReport();
      assertThat(report.mode()).as("recovery mode").isEqualTo(RecoveryMode.TAIL);
      List<SegmentInfo> segments = log.segments();
      Path lastFile = segments.get(segments.size() - 1).file();
      for (RecoveryReport.Cut cut : report.cuts()) {
        assertThat(cut.file()).as("a cut not in the last segment: %s", cut).isEqualTo(lastFile);
        assertThat(cut.offset()).as("a cut of the segment's header: %s", cut).isPositive();
      }
    }

    void closeQuietly() {
      if (log != null) {
        try {
          log.close();
        } catch (RuntimeException ignored) {
          // reported by the test already
        }
      }
    }
  }
}
