package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.Futures;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The background fsync of INTERVAL, closing with work in flight, and readers' lifecycles. */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only
class BackgroundAndCloseTest {
  @TempDir Path dir;

  @Test
  void aFailedBackgroundFsyncFencesTheLog() {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.interval(Duration.ofMillis(1))).build();
    Log log = SegmentedLog.open(dir, config, io);
    long acked = 0;
    for (int i = 0; i < 10; i++) {
      acked = log.append(new byte[] {(byte) i});
    }
    io.failNth(Op.FORCE, io.count(Op.FORCE) + 1, true);
    // The interval syncer fsyncs only when something new was written, and it may already have
    // synced all ten: keep appending until its next fsync fails and an append reports the fence.
    // Appends written before the failure was noticed may still return; the first one after the
    // fence throws, and every later one. A spin ignores @Timeout's interrupt, hence the deadline.
    boolean fenced = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!fenced && System.nanoTime() < deadline) {
      try {
        acked = log.append(new byte[] {1});
      } catch (LogFencedException e) {
        fenced = true;
      }
    }
    assertThat(io.injectedFailures()).as("the background fsync failed").isNotEmpty();
    assertThat(fenced).as("the failed background fsync fenced the log").isTrue();
    assertThatThrownBy(() -> log.append(new byte[] {2})).isInstanceOf(LogFencedException.class);
    assertThatThrownBy(log::sync).isInstanceOf(LogFencedException.class);
    assertThat(log.durableIndex()).isLessThanOrEqualTo(log.lastIndex());
    try {
      log.close();
    } catch (LogFencedException | SeglogIOException e) {
      // closing a fenced log may report the failure
    }
    io.crash();
    try (Log reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(reopened.lastIndex()).isGreaterThanOrEqualTo(acked);
      assertThat(reopened.read(1).payloadBytes()).containsExactly(0);
    }
  }

  /**
   * Regression: the interval syncer's fsync failed, nobody appended or synced afterwards, and close
   * returned normally: records acknowledged under INTERVAL were never made durable and nobody was
   * told. Close now throws the fence, after releasing the files and the directory lock.
   */
  @Test
  void closeReportsABackgroundFsyncFailureNobodyHasSeen() throws Exception {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.interval(Duration.ofMillis(1))).build();
    Log log = SegmentedLog.open(dir, config, io);
    log.append(new byte[] {0});
    // Durable before the failure is armed: else the syncer's fsync of record 0 could take the
    // failure between the arming and the next append, which would then throw the fence.
    log.sync();
    io.failNth(Op.FORCE, io.count(Op.FORCE) + 1, true);
    log.append(new byte[] {1}); // only the interval syncer fsyncs it, and that fsync fails
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (io.injectedFailures().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the background fsync did not run within a minute");
      }
      Thread.sleep(1);
    }
    assertThatThrownBy(log::close).isInstanceOf(LogFencedException.class);
    assertThatThrownBy(() -> log.append(new byte[] {2})).isInstanceOf(LogClosedException.class);
    log.close(); // reported once; closing again is a no-op
    try (Log reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(reopened.read(1).payloadBytes()).containsExactly(0);
    }
  }

  /**
   * Regression: an unchecked exception inside the interval syncer's fsync ended the scheduled task
   * (the executor cancels later runs without a word): nothing was fsynced again and the log was not
   * fenced. It now fences the log like a failed fsync, and close does not repeat a fence an append
   * already reported.
   */
  @Test
  void anUncheckedExceptionInTheBackgroundFsyncFencesTheLog() {
    AtomicBoolean throwNext = new AtomicBoolean();
    FileIO io = throwingInsideFsync(throwNext);
    LogConfig config =
        LogConfig.builder().syncPolicy(SyncPolicy.interval(Duration.ofMillis(1))).build();
    Log log = SegmentedLog.open(dir, config, io);
    throwNext.set(true);
    boolean fenced = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!fenced && System.nanoTime() < deadline) {
      try {
        log.append(new byte[] {1});
      } catch (LogFencedException e) {
        fenced = true;
      }
    }
    assertThat(fenced).as("the background failure fenced the log").isTrue();
    assertThatThrownBy(log::sync).isInstanceOf(LogFencedException.class);
    log.close(); // the fence was reported to the appender
  }

  /**
   * Regression: an unchecked exception inside close's own fsync escaped close before the segment
   * files and the directory lock were released (and without fencing the log): the log could not be
   * reopened in this JVM, and closing again was a no-op. Close now treats it as a failed fsync.
   */
  @Test
  void anUncheckedExceptionInClosesFsyncStillReleasesTheLog() {
    AtomicBoolean throwNext = new AtomicBoolean();
    FileIO io = throwingInsideFsync(throwNext);
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    Log log = SegmentedLog.open(dir, config, io);
    log.append(new byte[] {7});
    throwNext.set(true); // the next fsync is close's
    assertThatThrownBy(log::close).isInstanceOf(SeglogIOException.class);
    assertThat(throwNext.get()).as("close's fsync ran and threw").isFalse();
    assertThatThrownBy(() -> log.append(new byte[] {8})).isInstanceOf(LogClosedException.class);
    try (Log reopened = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      assertThat(reopened.read(1).payloadBytes()).containsExactly(7);
    }
  }

  @Test
  void closingWithAsyncAppendsInFlightCompletesEveryFuture() {
    Log log =
        SegmentedLog.open(
            dir, LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build(), NioFileIO.INSTANCE);
    List<CompletableFuture<Long>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(log.appendAsync(new byte[] {(byte) i}));
    }
    log.close();
    long completed = 0;
    for (CompletableFuture<Long> f : futures) {
      try {
        Futures.await(f);
        completed++;
      } catch (CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(LogClosedException.class);
      }
    }
    assertThatThrownBy(() -> Futures.await(log.appendAsync(new byte[] {1})))
        .satisfiesAnyOf(
            t -> assertThat(t).isInstanceOf(LogClosedException.class),
            t -> assertThat(t).hasCauseInstanceOf(LogClosedException.class));
    try (Log reopened = Log.open(dir)) {
      assertThat(reopened.lastIndex())
          .as("every future that completed normally is in the log")
          .isGreaterThanOrEqualTo(completed);
    }
  }

  @Test
  void aReaderStopsAtTheLastRecordWhenItWasCreatedAndCrossesRolls() {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(4096).build();
    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
      for (int i = 1; i <= 50; i++) {
        log.append(new byte[200]);
      }
      try (LogReader reader = log.reader(1, Long.MAX_VALUE)) {
        log.roll();
        for (int i = 0; i < 50; i++) {
          log.append(new byte[] {7});
        }
        long n = 0;
        while (reader.hasNext()) {
          Record r = reader.next();
          assertThat(r.index()).isEqualTo(++n);
          assertThat(r.size()).isEqualTo(200);
        }
        assertThat(n).isEqualTo(50);
        assertThat(reader.position()).isEqualTo(51);
      }
      LogReader closed = log.reader(1, 3);
      closed.close();
      assertThatThrownBy(closed::next).isInstanceOf(LogClosedException.class);
      assertThatThrownBy(() -> log.reader(0, 3)).isInstanceOf(IndexOutOfRangeException.class);
      assertThatThrownBy(() -> log.reader(102, 103)).isInstanceOf(IndexOutOfRangeException.class);
      try (LogReader atEnd = log.reader(101, 200)) {
        assertThat(atEnd.hasNext()).isFalse();
      }
    }
  }

  /**
   * Real files whose next fsync, once {@code throwNext} is set, throws an unchecked exception
   * instead of syncing (once).
   */
  private static FileIO throwingInsideFsync(AtomicBoolean throwNext) {
    return new ForwardingFileIO(NioFileIO.INSTANCE) {
      @Override
      protected FileHandle wrap(Path file, FileHandle handle) {
        return new ForwardingHandle(handle) {
          @Override
          public void force() throws IOException {
            if (throwNext.compareAndSet(true, false)) {
              throw new IllegalStateException("injected unchecked failure inside fsync");
            }
            super.force();
          }
        };
      }
    };
  }
}
