package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.LogChecks;
import io.seglog.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Readers of a log that is being written: read-only opens (no lock, recovery in memory), the
 * verifier, and readers of the writer's own log, while a writer appends and rolls small segments. A
 * live, undamaged log must never be reported damaged except for the writer's in-progress tail, and
 * no read may return bytes other than those appended. Interleavings vary; the assertions hold for
 * every one.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang guard only
class LiveReadersTest {
  static final int RECORDS = 1500;

  @TempDir Path dir;

  /** The record at {@code index}: everything about it is derived from the index. */
  static ExpectedRecord expected(long index) {
    byte[] p = new byte[(int) ((index * 7) % 300)];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (index * 13 + i);
    }
    return new ExpectedRecord(index, index * 3, (int) (index % 7), p);
  }

  static Entry entry(long index) {
    ExpectedRecord e = expected(index);
    return Entry.of(e.payload(), e.type(), e.timestamp());
  }

  enum Policy {
    ALWAYS(SyncPolicy.ALWAYS),
    NONE(SyncPolicy.NONE);

    final SyncPolicy policy;

    Policy(SyncPolicy policy) {
      this.policy = policy;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(Policy.values())
        .flatMap(p -> Stream.of(Arguments.of(p, "disk"), Arguments.of(p, "memory")));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void readersOfALiveLogSeeOnlyExactRecords(Policy p, String where) throws Exception {
    Storage storage = where.equals("memory") ? Storage.inMemory() : Storage.fileSystem();
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(p.policy)
            .segmentBytes(4096)
            .clock(new TestClock(1_700_000_000_000L))
            .build();
    Log writer = Log.open(dir, config, storage);
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              long next = 1;
              while (next <= RECORDS) {
                if (next % 10 == 0 && next + 2 <= RECORDS) {
                  writer.appendBatch(List.of(entry(next), entry(next + 1), entry(next + 2)));
                  next += 3;
                } else {
                  writer.append(entry(next));
                  next++;
                }
                if (next % 97 == 0) {
                  writer.roll();
                }
              }
            });
    int rounds = 0;
    long lastSeen = 0;
    // A loop on another thread's progress ignores @Timeout's interrupt: it carries a deadline.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!writing.isDone() || rounds < 3) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the writer did not append its " + RECORDS + " records in 4 min");
      }
      rounds++;
      try (Log ro = Log.openReadOnly(dir, config, storage)) {
        long last = ro.lastIndex();
        assertThat(last)
            .as("a read-only open never sees the log shrink")
            .isGreaterThanOrEqualTo(lastSeen);
        lastSeen = last;
        List<ExpectedRecord> all = new ArrayList<>();
        for (long i = 1; i <= last; i++) {
          all.add(expected(i));
        }
        LogChecks.assertReader(ro, 1, last + 1, all);
      }
      VerifyReport report = LogVerifier.verify(dir, storage);
      for (VerifyReport.Finding f : report.findings()) {
        assertThat(f.kind()).as("finding on a live log: " + f).isEqualTo("torn-tail");
      }
      long last = writer.lastIndex();
      for (long i = Math.max(1, last - 20); i <= last; i++) {
        LogChecks.assertRecord(expected(i), writer.read(i));
      }
    }
    writing.get(60, TimeUnit.SECONDS);
    List<ExpectedRecord> all = new ArrayList<>();
    for (long i = 1; i <= RECORDS; i++) {
      all.add(expected(i));
    }
    LogChecks.assertExactly(writer, 1, all);
    writer.close();
    assertThat(LogVerifier.verify(dir, storage).findings()).isEmpty();
    try (Log ro = Log.openReadOnly(dir, config, storage)) {
      LogChecks.assertExactly(ro, 1, all);
    }
  }
}
