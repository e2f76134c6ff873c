package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.SyncPolicy;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Group commit through a power loss. Two to eight threads append at once under {@link
 * SyncPolicy#ALWAYS}, each waiting for its own durable acknowledgement (so they share fsyncs, and
 * the segments of 4 KiB roll while they wait), parking or spinning ({@link
 * LogConfig#syncWaitSpin()}); the power goes at a random I/O operation (seglog-core's durability
 * model, as in {@link SimulatedPowerLossTest}), in the middle of whatever the threads are doing.
 * Then every acknowledged record must be at the very index its append returned, with its payload;
 * every record present must be one some thread appended, once; and the log must take an append.
 *
 * <p>The threads' interleaving is not seeded (the seed fixes the threads, payloads and crash
 * point); a failure prints its seed, and the invariant holds for every interleaving. The negative
 * control runs the same cases with fsyncs that do nothing ({@link NoFsyncFileIO}): the check must
 * catch the acknowledged records it loses.
 */
class ConcurrentPowerLossTest {
  /** Cases per variant in the default build. */
  static final int CASES = 60;

  /** Appends each thread tries. */
  static final int APPENDS_PER_THREAD = 40;

  enum Variant {
    PARKED,
    SPINNING,
    NO_DATA_FSYNC;

    boolean healthy() {
      return this != NO_DATA_FSYNC;
    }
  }

  @TempDir(factory = MemoryTempDirFactory.class)
  Path tmp;

  private long acknowledgedTotal;
  private long presentTotal;

  @ParameterizedTest
  @EnumSource(Variant.class)
  void everyAcknowledgedRecordSurvivesAtItsIndex(Variant variant) throws Exception {
    long baseSeed = Scale.seed(97_000);
    int cases = Scale.of(CASES);
    List<String> caught = new ArrayList<>();
    for (int c = 0; c < cases; c++) {
      long seed = baseSeed + c;
      List<String> v = runCase(tmp.resolve("case-" + c), seed, variant);
      if (variant.healthy()) {
        assertThat(v).as("seed %d (replay: -Dseglog.seed=%d, case 0)", seed, seed).isEmpty();
      } else if (!v.isEmpty()) {
        caught.add("seed " + seed + ": " + v);
      }
    }
    if (variant.healthy()) {
      assertThat(acknowledgedTotal).as("records acknowledged before the power losses").isPositive();
      System.out.printf(
          "ConcurrentPowerLossTest %s: %d power losses, %d acknowledged records, none lost;"
              + " %d records present after recovery%n",
          variant, cases, acknowledgedTotal, presentTotal);
    } else {
      assertThat(caught).as("fsyncs that do nothing must be caught").isNotEmpty();
      assertThat(caught).anyMatch(s -> s.contains("LOST ACKNOWLEDGED RECORD"));
      System.out.printf(
          "ConcurrentPowerLossTest negative control %s: caught in %d of %d cases, first: %s%n",
          variant, caught.size(), cases, caught.get(0));
    }
  }

  private List<String> runCase(Path dir, long seed, Variant variant) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.ALWAYS)
            .segmentBytes(4096)
            .syncWaitSpin(variant == Variant.SPINNING ? Duration.ofMillis(1) : Duration.ZERO)
            .build();
    byte[] creator = Payloads.make("creator", 0, rnd, 32);
    try (Log log = Log.open(dir, config)) { // a healthy, durable log holding one record
      log.append(creator);
    }
    FaultInjectingFileIO model = new FaultInjectingFileIO().trackDurability(dir);
    int threads = rnd.nextInt(2, 9);
    model.crashAtOperation(rnd.nextLong(10, 60L * threads));
    FileIO io = variant.healthy() ? model : new NoFsyncFileIO(model, true, false);

    Map<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
    Set<ByteBuffer> attempted = ConcurrentHashMap.newKeySet();
    attempted.add(ByteBuffer.wrap(creator));
    List<byte[][]> payloads = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      byte[][] mine = new byte[APPENDS_PER_THREAD][];
      for (int i = 0; i < mine.length; i++) {
        mine[i] = Payloads.make("w" + t, i, rnd, 48);
        attempted.add(ByteBuffer.wrap(mine[i]));
      }
      payloads.add(mine);
    }

    Log log;
    try {
      log = SegmentedLog.open(dir, config, io); // never closed: the power goes
    } catch (RuntimeException e) {
      if (!model.crashed()) {
        throw e;
      }
      log = null; // the power went during the open: nothing was acknowledged
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> writers = new ArrayList<>();
    try {
      for (byte[][] mine : log == null ? List.<byte[][]>of() : payloads) {
        Log writing = log;
        writers.add(
            pool.submit(
                () -> {
                  for (byte[] p : mine) {
                    long index;
                    try {
                      index = writing.append(p);
                    } catch (RuntimeException e) {
                      if (!model.crashed()) {
                        throw new AssertionError("append failed without a fault", e);
                      }
                      return null; // fenced by the crash: this writer stops
                    }
                    byte[] earlier = acknowledged.put(index, p);
                    if (earlier != null) {
                      throw new AssertionError("index " + index + " acknowledged twice");
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> w : writers) {
        try {
          w.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          return List.of("a writer hung for a minute (crashed: " + model.crashed() + ")");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    model.powerLoss();
    acknowledgedTotal += acknowledged.size();

    List<String> v = new ArrayList<>();
    try (Log reopened = Log.open(dir, config)) {
      check(reopened, creator, acknowledged, attempted, v);
      if (v.isEmpty()) {
        long last = reopened.lastIndex();
        byte[] p = Payloads.make("after", last + 1, rnd, 32);
        if (reopened.append(p) != last + 1) {
          v.add("the append after recovery did not get index " + (last + 1));
        }
      }
    } catch (RuntimeException e) {
      v.add("reopen, check or append after the power loss failed: " + e);
    }
    SimulatedPowerLossTest.deleteRecursively(dir);
    return v;
  }

  /** The invariants of the class note, as violations. */
  private void check(
      Log log,
      byte[] creator,
      Map<Long, byte[]> acknowledged,
      Set<ByteBuffer> attempted,
      List<String> v) {
    long last = log.lastIndex();
    if (log.firstIndex() != 1) {
      v.add("firstIndex " + log.firstIndex() + ", expected 1");
      return;
    }
    Set<ByteBuffer> seen = new HashSet<>();
    long expected = 1;
    try (LogReader reader = log.reader(1, last + 1)) {
      while (reader.hasNext()) {
        Record r = reader.next();
        if (r.index() != expected) {
          v.add("reader returned index " + r.index() + " where " + expected + " was next");
          return;
        }
        byte[] payload = r.payloadBytes();
        String text = new String(payload, StandardCharsets.US_ASCII);
        if (expected == 1 && !Arrays.equals(payload, creator)) {
          v.add("index 1 is not the creator's record: " + text);
        }
        if (!attempted.contains(ByteBuffer.wrap(payload))) {
          v.add("INVENTED RECORD at " + expected + ": " + text);
        }
        if (!seen.add(ByteBuffer.wrap(payload))) {
          v.add("DUPLICATED RECORD at " + expected + ": " + text);
        }
        byte[] acked = acknowledged.get(expected);
        if (acked != null && !Arrays.equals(acked, payload)) {
          v.add(
              "index "
                  + expected
                  + " was acknowledged for "
                  + new String(acked, StandardCharsets.US_ASCII)
                  + " but holds "
                  + text);
        }
        expected++;
      }
    } catch (RuntimeException e) {
      v.add("reading index " + expected + " failed: " + e);
      return;
    }
    presentTotal += last;
    long lost = acknowledged.keySet().stream().filter(i -> i > last).count();
    if (lost > 0) {
      v.add(
          "LOST ACKNOWLEDGED RECORDS: lastIndex "
              + last
              + " but "
              + lost
              + " acknowledged records had higher indices (up to "
              + acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElseThrow()
              + ")");
    }
  }
}
