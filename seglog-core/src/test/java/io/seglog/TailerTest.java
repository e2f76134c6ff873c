package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tailers of a writable log: order, waking on append and on fsync, closing, visibility; and the
 * range readers' reverse order and zero-copy views. Waits use long timeouts as hang guards only: no
 * assertion depends on timing.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TailerTest {
  static final Duration FOREVER = Duration.ofHours(1);

  @TempDir Path dir;

  static LogConfig config(SyncPolicy policy) {
    return LogConfig.builder().syncPolicy(policy).segmentBytes(4096).build();
  }

  static ExpectedRecord expected(long index) {
    byte[] p = new byte[(int) ((index * 11) % 200)];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (index * 31 + i);
    }
    return new ExpectedRecord(index, 1_000 + index, (int) (index % 5), p);
  }

  static Entry entry(long index) {
    ExpectedRecord e = expected(index);
    return Entry.of(e.payload(), e.type(), e.timestamp());
  }

  /**
   * Waits until a thread is parked in a poll of {@code log} (no timing: a state check; the deadline
   * is a hang guard only).
   */
  static void awaitWaiting(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(t.getName() + " did not wait in its poll within 60 s");
      }
      Thread.sleep(1);
    }
  }

  @Test
  void tailerReturnsEveryRecordInOrderAndNullWhenCaughtUp() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      for (long i = 1; i <= 300; i++) {
        if (i % 10 == 0) {
          log.appendBatch(List.of(entry(i), entry(i + 1), entry(i + 2)));
          i += 2;
        } else {
          log.append(entry(i));
        }
      }
      try (Tailer t = log.tailer(1)) {
        for (long i = 1; i <= log.lastIndex(); i++) {
          Record r = t.poll(Duration.ZERO);
          assertThat(expected(i).difference(r)).isNull();
        }
        assertThat(t.poll(Duration.ZERO)).isNull();
        assertThat(t.poll(Duration.ofMillis(5))).isNull();
        assertThat(t.position()).isEqualTo(log.lastIndex() + 1);
        assertThat(t.name()).isNull();
      }
    }
  }

  @Test
  void waitingPollReturnsTheRecordOnceAppended() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE));
        Tailer t = log.tailer(1)) {
      for (long i = 1; i <= 50; i++) {
        CompletableFuture<Record> polled = new CompletableFuture<>();
        Thread poller =
            new Thread(
                () -> {
                  try {
                    polled.complete(t.poll(FOREVER));
                  } catch (Throwable e) {
                    polled.completeExceptionally(e);
                  }
                });
        poller.start();
        awaitWaiting(poller);
        assertThat(polled).isNotDone();
        log.append(entry(i));
        assertThat(expected(i).difference(polled.get(1, TimeUnit.MINUTES))).isNull();
        poller.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(poller.isAlive()).as("the poller ended").isFalse();
      }
    }
  }

  @Test
  void durableTailerSeesARecordOnlyOnceFsynced() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE));
        Tailer written = log.tailer(1, Visibility.WRITTEN);
        Tailer durable = log.tailer(1, Visibility.DURABLE)) {
      log.append(entry(1));
      assertThat(log.durableIndex()).isZero();
      assertThat(durable.poll(Duration.ZERO)).isNull();
      assertThat(expected(1).difference(written.poll(Duration.ZERO))).isNull();
      CompletableFuture<Record> polled = new CompletableFuture<>();
      Thread poller =
          new Thread(
              () -> {
                try {
                  polled.complete(durable.poll(FOREVER));
                } catch (Throwable e) {
                  polled.completeExceptionally(e);
                }
              });
      poller.start();
      awaitWaiting(poller);
      log.append(entry(2)); // written, not durable: the durable tailer keeps waiting
      assertThat(polled).isNotDone();
      log.sync();
      assertThat(expected(1).difference(polled.get(1, TimeUnit.MINUTES))).isNull();
      assertThat(expected(2).difference(durable.poll(Duration.ZERO))).isNull();
    }
  }

  @Test
  void closingTheLogWakesEveryWaitingTailerWithLogClosed() throws Exception {
    Log log = Log.open(dir, config(SyncPolicy.NONE));
    log.append(entry(1));
    List<CompletableFuture<Record>> polls = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Tailer t = log.tailer(2, i % 2 == 0 ? Visibility.WRITTEN : Visibility.DURABLE);
      CompletableFuture<Record> f = new CompletableFuture<>();
      Thread th =
          new Thread(
              () -> {
                try {
                  f.complete(t.poll(FOREVER));
                } catch (Throwable e) {
                  f.completeExceptionally(e);
                }
              });
      th.start();
      polls.add(f);
      threads.add(th);
    }
    for (Thread th : threads) {
      awaitWaiting(th);
    }
    log.close();
    for (CompletableFuture<Record> f : polls) {
      assertThatThrownBy(() -> f.get(1, TimeUnit.MINUTES))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isExactlyInstanceOf(LogClosedException.class)
          .hasMessageContaining("is closed");
    }
  }

  @Test
  void closingATailerWakesItsPollerWithTailerClosedAndLeavesOthersWaiting() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      Tailer closedOne = log.tailer(1);
      Tailer other = log.tailer(1);
      CompletableFuture<Record> a = new CompletableFuture<>();
      CompletableFuture<Record> b = new CompletableFuture<>();
      Thread ta = pollInThread(closedOne, a);
      Thread tb = pollInThread(other, b);
      awaitWaiting(ta);
      awaitWaiting(tb);
      closedOne.close();
      assertThatThrownBy(() -> a.get(1, TimeUnit.MINUTES))
          .cause()
          .isInstanceOf(TailerClosedException.class);
      assertThat(b).isNotDone();
      log.append(entry(1));
      assertThat(expected(1).difference(b.get(1, TimeUnit.MINUTES))).isNull();
      assertThatThrownBy(() -> closedOne.poll(Duration.ZERO))
          .isInstanceOf(TailerClosedException.class);
      other.close();
    }
  }

  static Thread pollInThread(Tailer t, CompletableFuture<Record> into) {
    Thread th =
        new Thread(
            () -> {
              try {
                into.complete(t.poll(FOREVER));
              } catch (Throwable e) {
                into.completeExceptionally(e);
              }
            });
    th.start();
    return th;
  }

  @Test
  void tailerStartOutsideTheLogIsRefused() {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      log.append(entry(1));
      assertThatThrownBy(() -> log.tailer(0)).isInstanceOf(IndexOutOfRangeException.class);
      assertThatThrownBy(() -> log.tailer(3))
          .isInstanceOf(IndexOutOfRangeException.class)
          .hasMessageContaining("3");
    }
  }

  @Test
  void interruptedPollThrowsInterruptedException() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE));
        Tailer t = log.tailer(1)) {
      CompletableFuture<Record> f = new CompletableFuture<>();
      Thread th = pollInThread(t, f);
      awaitWaiting(th);
      th.interrupt();
      assertThatThrownBy(() -> f.get(1, TimeUnit.MINUTES))
          .cause()
          .isInstanceOf(InterruptedException.class);
    }
  }

  @Test
  void reverseReaderReturnsNewestFirstAcrossSegmentsAndBatches() {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      for (long i = 1; i <= 400; i++) {
        if (i % 7 == 0) {
          log.appendBatch(List.of(entry(i), entry(i + 1), entry(i + 2), entry(i + 3)));
          i += 3;
        } else {
          log.append(entry(i));
        }
      }
      assertThat(log.segments().size()).isGreaterThan(3);
      long last = log.lastIndex();
      try (LogReader r = log.reverseReader(1, Long.MAX_VALUE, Visibility.WRITTEN)) {
        for (long i = last; i >= 1; i--) {
          assertThat(r.position()).isEqualTo(i);
          assertThat(r.hasNext()).isTrue();
          assertThat(expected(i).difference(r.next())).isNull();
        }
        assertThat(r.hasNext()).isFalse();
      }
      try (LogReader r = log.reverseReader(100, 150, Visibility.WRITTEN)) {
        List<Long> seen = new ArrayList<>();
        while (r.hasNext()) {
          RecordView v = r.nextView();
          assertThat(v.index()).isEqualTo(149 - seen.size());
          assertThat(bytes(v.payload())).isEqualTo(expected(v.index()).payload());
          seen.add(v.index());
        }
        assertThat(seen).hasSize(50);
      }
      assertThatThrownBy(() -> log.reverseReader(5, 4, Visibility.WRITTEN))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void viewsAreReusedAndMatchTheCopyingReads() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      for (long i = 1; i <= 200; i++) {
        log.append(entry(i));
      }
      ByteBuffer into = ByteBuffer.allocate(1024);
      try (LogReader r = log.reader(1, Long.MAX_VALUE);
          Tailer t = log.tailer(1)) {
        RecordView first = null;
        for (long i = 1; i <= 200; i++) {
          RecordView v = r.nextView();
          RecordView w = t.pollView(Duration.ZERO);
          if (first == null) {
            first = v;
          }
          assertThat(v).isSameAs(first); // one object, no allocation per record
          assertThat(v.payload()).isSameAs(v.payload());
          assertThat(v.payload().isReadOnly()).isTrue();
          ExpectedRecord e = expected(i);
          for (RecordView x : List.of(v, w)) {
            assertThat(x.index()).isEqualTo(i);
            assertThat(x.timestamp()).isEqualTo(e.timestamp());
            assertThat(x.type()).isEqualTo(e.type());
            assertThat(x.size()).isEqualTo(e.payload().length);
            assertThat(e.difference(x.toRecord())).isNull();
          }
          into.clear();
          v.copyPayloadTo(into);
          assertThat(bytes(into.flip())).isEqualTo(e.payload());
        }
        assertThat(t.pollView(Duration.ZERO)).isNull();
      }
    }
  }

  @Test
  void namedTailerResumesWhereItCommittedAfterReopen() throws Exception {
    LogConfig config = config(SyncPolicy.NONE);
    try (Log log = Log.open(dir, config)) {
      for (long i = 1; i <= 100; i++) {
        log.append(entry(i));
      }
      try (Tailer t = log.tailer("billing", 1, Visibility.WRITTEN)) {
        assertThat(t.name()).isEqualTo("billing");
        for (int i = 0; i < 40; i++) {
          t.poll(Duration.ZERO);
        }
        t.commit();
        t.poll(Duration.ZERO); // read, not committed
        assertThatThrownBy(() -> log.tailer("billing", 1, Visibility.WRITTEN))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("billing");
      }
      try (Tailer t = log.tailer("audit", 90, Visibility.DURABLE)) {
        t.commit(95);
      }
      assertThat(log.committedPositions())
          .containsEntry("billing", 41L)
          .containsEntry("audit", 95L);
      assertThat(((SegmentedLog) log).minCommittedPosition()).isEqualTo(41);
    }
    try (SegmentedLog log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(log.minCommittedPosition()).isEqualTo(41);
      assertThat(log.positionsRetentionFloor()).isEqualTo(41);
      try (Tailer t = log.tailer("billing", 1, Visibility.WRITTEN)) {
        assertThat(t.position()).isEqualTo(41);
        assertThat(expected(41).difference(t.poll(Duration.ZERO))).isNull();
      }
      log.deletePosition("audit");
      log.deletePosition("never-committed");
      assertThat(log.committedPositions()).containsOnlyKeys("billing");
    }
    try (Log log = Log.openReadOnly(dir, config);
        Tailer t = log.tailer("billing", 1, Visibility.WRITTEN)) {
      assertThat(t.position()).isEqualTo(41);
      assertThatThrownBy(t::commit).isInstanceOf(UnsupportedOperationException.class);
    }
    try (SegmentedLog log =
        SegmentedLog.open(
            dir, config.toBuilder().positionsHoldRetention(false).build(), NioFileIO.INSTANCE)) {
      assertThat(log.minCommittedPosition()).isEqualTo(41);
      assertThat(log.positionsRetentionFloor()).isEqualTo(Long.MAX_VALUE);
    }
  }

  @Test
  void badNamesAndCommitsAreRefusedClearly() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      log.append(entry(1));
      for (String bad : new String[] {"", ".hidden", "a/b", "x".repeat(65), "sp ace"}) {
        assertThatThrownBy(() -> log.tailer(bad, 1, Visibility.WRITTEN))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("is invalid");
      }
      try (Tailer t = log.tailer(1)) {
        assertThatThrownBy(t::commit).isInstanceOf(IllegalStateException.class);
      }
      try (Tailer t = log.tailer("n", 1, Visibility.WRITTEN)) {
        assertThatThrownBy(() -> t.commit(3))
            .isInstanceOf(IndexOutOfRangeException.class)
            .hasMessageContaining("3");
        t.commit(2); // one past the last record: everything read
      }
      assertThat(log.committedPositions()).containsEntry("n", 2L);
    }
  }

  @Test
  void damagedPositionFileIsReportedWithItsPath() throws Exception {
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      log.append(entry(1));
      try (Tailer t = log.tailer("c", 1, Visibility.WRITTEN)) {
        t.commit();
      }
    }
    Path file = dir.resolve("positions").resolve("c.pos");
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    bytes[30] ^= 1;
    java.nio.file.Files.write(file, bytes);
    try (Log log = Log.open(dir, config(SyncPolicy.NONE))) {
      assertThatThrownBy(() -> log.tailer("c", 1, Visibility.WRITTEN))
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("c.pos")
          .hasMessageContaining("checksum");
    }
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
