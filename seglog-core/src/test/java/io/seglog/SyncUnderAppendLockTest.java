package io.seglog;

import static io.seglog.testing.DaemonTask.await;
import static io.seglog.testing.DaemonTask.awaitQuietly;
import static io.seglog.testing.DaemonTask.awaitState;
import static io.seglog.testing.DaemonTask.closeWithin;
import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.testing.DaemonTask;
import io.seglog.testing.Futures;
import io.seglog.testing.HeldFlushWorker;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression: operations that wait in the sync coordinator deadlocked when called from code the log
 * runs under its append lock (a {@link StateMachine}'s {@code apply} or {@code checkpoint}, a
 * {@link StateMachineLog#purgeWhile} predicate, an {@link Log#appendStream} source) while an fsync
 * leader on another thread (a {@link Log#sync()}, the flush worker) waited for that lock to
 * snapshot what was written: {@code sync()}, an append under {@link SyncPolicy#ALWAYS}, an
 * asynchronous append's future joined there, and the suffix cuts ({@code truncateAfter}, {@code
 * reset}, {@code clear}), which wait for the fsync in progress. The first three now make their
 * records durable themselves under the lock; a suffix cut there is refused with {@link
 * IllegalStateException}, as {@link Log#close()} is ({@link CloseUnderAppendLockTest}).
 *
 * <p>Public API only. Each call under test runs on a daemon thread and is waited for within a
 * bound; a log that deadlocked is left behind, never closed (close would wait for the append lock).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a hang guard only: every wait below is bounded
class SyncUnderAppendLockTest {
  private static final long WAIT_SECONDS = 30;
  private static final LogConfig ALWAYS = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
  private static final LogConfig NONE = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();

  @TempDir Path dir;

  /**
   * Under NONE, another thread's {@code sync()} leads an fsync and waits for the append lock (held
   * by apply) to snapshot; apply's own {@code sync()} waited for that fsync.
   */
  @Test
  void syncFromApplyWhileAnotherThreadsSyncWaitsForTheLock() throws Exception {
    CallbackStateMachine sm = new CallbackStateMachine();
    StateMachineLog log = StateMachineLog.open(dir, NONE, sm);
    sm.onApply(log, "cb", log::sync);
    log.append(payload("a"));
    log.append(payload("b"));
    DaemonTask<Long> appender =
        new DaemonTask<>("append whose apply syncs", () -> log.append(payload("cb")));
    await(sm.inCallback, "apply of the record began");
    DaemonTask<Long> competitor = new DaemonTask<>("sync", log::sync);
    awaitState(competitor.thread, Thread.State.WAITING); // its snapshot waits for the append lock
    sm.proceed.countDown();

    Outcome o = sm.outcome("sync() from StateMachine.apply");
    assertThat(o.value()).as("sync() under the lock returns the durable index").isEqualTo(3L);
    assertThat(o.durableAfter()).as("what sync() returned is durable").isGreaterThanOrEqualTo(3);
    assertThat(appender.get()).isEqualTo(3);
    assertThat(competitor.get()).isEqualTo(3);
    assertThat(log.durableIndex()).isEqualTo(3);
    closeWithin(log);
  }

  /**
   * A thread that waits in group commit behind a leader waiting for the lock (a follower) returns
   * as soon as a sync() under the lock made its records durable, while the lock is still held: it
   * is not left parked until the leader gets the lock.
   */
  @Test
  void aSyncUnderTheLockWakesTheWaitersItMadeDurable() throws Exception {
    CallbackStateMachine sm = new CallbackStateMachine();
    StateMachineLog log = StateMachineLog.open(dir, NONE, sm);
    sm.onApply(log, "cb", log::sync);
    sm.after = new CountDownLatch(1); // apply keeps the lock after its sync until released
    log.append(payload("a"));
    DaemonTask<Long> appender =
        new DaemonTask<>("append whose apply syncs", () -> log.append(payload("cb")));
    await(sm.inCallback, "apply of the record began");
    DaemonTask<Long> leader = new DaemonTask<>("leading sync", log::sync);
    awaitState(leader.thread, Thread.State.WAITING); // its snapshot waits for the append lock
    DaemonTask<Long> follower = new DaemonTask<>("following sync", log::sync);
    awaitState(follower.thread, Thread.State.WAITING); // parked behind the leader
    sm.proceed.countDown();

    assertThat(sm.outcome("sync() from StateMachine.apply").value()).isEqualTo(2L);
    try {
      assertThat(follower.get()).as("woken by the fsync under the lock").isEqualTo(2);
    } finally {
      sm.after.countDown();
    }
    assertThat(appender.get()).isEqualTo(2);
    assertThat(leader.get()).isEqualTo(2);
    closeWithin(log);
  }

  /**
   * A state machine's apply may not write to the log (the next open replays it, which would write
   * again, and a roll inside it would checkpoint a half-applied state): an append from it is
   * refused at once, nothing is written, and the log goes on. Under ALWAYS this was also where an
   * append from apply had waited for an fsync leader that waited for the lock.
   */
  @Test
  void anAppendFromApplyIsRefusedAndTheLogGoesOn() throws Exception {
    CallbackStateMachine sm = new CallbackStateMachine();
    StateMachineLog log = StateMachineLog.open(dir, ALWAYS, sm);
    sm.onApply(log, "cb", () -> log.appendAsync(payload("nested")));
    sm.proceed.countDown();
    DaemonTask<Long> appender =
        new DaemonTask<>("append whose apply appends", () -> log.append(payload("cb")));

    Outcome o = sm.outcome("appendAsync from StateMachine.apply");
    assertThat(o.failure())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apply must not write to the log");
    assertThat(appender.get()).isEqualTo(1);
    assertThat(sm.applied).containsExactly(1L);
    assertThat(log.append(payload("after"))).isEqualTo(2);
    assertThat(log.durableIndex()).isEqualTo(2);
    closeWithin(log);
  }

  static List<Arguments> writesFromAPurgePredicate() {
    return List.of(
        Arguments.of(
            "appendBatch",
            (Function<StateMachineLog, Object>)
                l -> l.appendBatch(List.of(Entry.of(payload("n1")), Entry.of(payload("n2"))))),
        Arguments.of(
            "append",
            (Function<StateMachineLog, Object>)
                l -> {
                  l.append(payload("n1"));
                  return l.append(payload("n2")) - 1;
                }),
        Arguments.of(
            "appendAsync, joined",
            (Function<StateMachineLog, Object>)
                l -> {
                  l.appendAsync(payload("n1"));
                  return Futures.await(l.appendAsync(payload("n2"))) - 1;
                }));
  }

  /**
   * Under ALWAYS, two records appended from a purgeWhile predicate while the flush worker leads the
   * fsync of a queued asynchronous append and waits for the lock the predicate holds: each waited
   * for that fsync (an asynchronous one's future joined there never completed).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("writesFromAPurgePredicate")
  void alwaysAppendsFromAPurgePredicateWhileTheFlushWorkerWaitsForTheLock(
      String what, Function<StateMachineLog, Object> write) throws Exception {
    StateMachineLog log = StateMachineLog.open(dir, ALWAYS, new CallbackStateMachine());
    List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
    HeldFlushWorker worker = HeldFlushWorker.hold(log, acknowledged);
    acknowledged.add(log.appendAsync(payload("queued"))); // behind the held worker
    long queued = acknowledged.size(); // its index: one record per future so far
    CountDownLatch inPredicate = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    AtomicBoolean once = new AtomicBoolean();
    DaemonTask<Long> purger =
        new DaemonTask<>(
            "purgeWhile",
            () ->
                log.purgeWhile(
                    c -> {
                      if (once.compareAndSet(false, true)) {
                        inPredicate.countDown();
                        awaitQuietly(proceed);
                        outcome.complete(run(log, () -> write.apply(log)));
                      }
                      return false;
                    }));
    await(inPredicate, "the purge predicate ran");
    worker.release().countDown(); // the worker takes the queued append and leads its fsync
    awaitState(worker.thread(), Thread.State.WAITING); // its snapshot waits for the append lock
    proceed.countDown();

    Outcome o = within(outcome, "ALWAYS " + what + " from a purgeWhile predicate");
    assertThat(o.value()).isEqualTo(queued + 1);
    assertThat(o.durableAfter()).as("ALWAYS appends return once durable").isEqualTo(queued + 2);
    assertThat(purger.get()).isEqualTo(1);
    for (int i = 0; i < acknowledged.size(); i++) {
      assertThat(Futures.await(acknowledged.get(i))).isEqualTo(i + 1L);
    }
    assertThat(log.read(queued + 2).payloadBytes()).isEqualTo(payload("n2"));
    closeWithin(log);
  }

  /** Under NONE, a checkpoint that syncs while another thread's sync() waits for the lock. */
  @Test
  void syncFromACheckpointWhileAnotherThreadsSyncWaitsForTheLock() throws Exception {
    CallbackStateMachine sm = new CallbackStateMachine();
    StateMachineLog log = StateMachineLog.open(dir, NONE, sm);
    log.append(payload("a"));
    log.append(payload("b"));
    sm.onCheckpoint(log, log::sync);
    DaemonTask<CheckpointInfo> checkpointer = new DaemonTask<>("checkpoint", log::checkpoint);
    await(sm.inCallback, "the checkpoint began");
    DaemonTask<Long> competitor = new DaemonTask<>("sync", log::sync);
    awaitState(competitor.thread, Thread.State.WAITING);
    sm.proceed.countDown();

    Outcome o = sm.outcome("sync() from StateMachine.checkpoint");
    assertThat(o.value()).isEqualTo(2L);
    assertThat(o.durableAfter()).isEqualTo(2);
    assertThat(checkpointer.get().index()).isEqualTo(2);
    assertThat(competitor.get()).isEqualTo(2);
    closeWithin(log);
    try (StateMachineLog reopened = StateMachineLog.open(dir, NONE, new CallbackStateMachine())) {
      assertThat(reopened.replayReport().checkpoint().index()).isEqualTo(2);
    }
  }

  /** A plain log: an appendStream source syncs while another thread's sync() waits for the lock. */
  @Test
  void syncFromAnAppendStreamSourceWhileAnotherThreadsSyncWaitsForTheLock() throws Exception {
    Log log = Log.open(dir, NONE);
    log.append(payload("a"));
    log.append(payload("b"));
    Source source = new Source(log, log::sync);
    DaemonTask<Long> streamer =
        new DaemonTask<>("appendStream", () -> log.appendStream(source, 16));
    await(source.inSource, "the stream's source was read");
    DaemonTask<Long> competitor = new DaemonTask<>("sync", log::sync);
    awaitState(competitor.thread, Thread.State.WAITING);
    source.proceed.countDown();

    Outcome o = within(source.outcome, "sync() from an appendStream source");
    assertThat(o.value()).isEqualTo(2L);
    assertThat(o.durableAfter()).isEqualTo(2);
    assertThat(streamer.get()).isEqualTo(3);
    assertThat(competitor.get()).isGreaterThanOrEqualTo(2);
    closeWithin(log);
  }

  /**
   * A plain log: a suffix cut from an appendStream source waited for the fsync in progress, whose
   * leader (another thread's sync()) waited for the lock. It is refused, and nothing changes.
   */
  @ParameterizedTest
  @ValueSource(strings = {"truncateAfter", "reset", "clear"})
  void aSuffixCutFromAnAppendStreamSourceWhileAnotherThreadsSyncWaitsIsRefused(String cut)
      throws Exception {
    Log log = Log.open(dir, NONE);
    log.append(payload("a"));
    log.append(payload("b"));
    Source source = new Source(log, () -> cut(log, cut));
    DaemonTask<Long> streamer =
        new DaemonTask<>("appendStream", () -> log.appendStream(source, 16));
    await(source.inSource, "the stream's source was read");
    DaemonTask<Long> competitor = new DaemonTask<>("sync", log::sync);
    awaitState(competitor.thread, Thread.State.WAITING);
    source.proceed.countDown();

    assertRefused(within(source.outcome, cut + " from an appendStream source"));
    assertThat(streamer.get()).isEqualTo(3);
    assertThat(competitor.get()).isGreaterThanOrEqualTo(2);
    assertWhole(log, 3);
    closeWithin(log);
  }

  /** Refused in every case, not only when an fsync is under way (which is timing). */
  @ParameterizedTest
  @ValueSource(strings = {"truncateAfter", "reset", "clear"})
  void aSuffixCutFromAnAppendStreamSourceIsRefusedWithNoFsyncUnderWay(String cut) throws Exception {
    Log log = Log.open(dir, NONE);
    log.append(payload("a"));
    log.append(payload("b"));
    Source source = new Source(log, () -> cut(log, cut));
    source.proceed.countDown();
    DaemonTask<Long> streamer =
        new DaemonTask<>("appendStream", () -> log.appendStream(source, 16));

    assertRefused(within(source.outcome, cut + " from an appendStream source"));
    assertThat(streamer.get()).isEqualTo(3);
    assertWhole(log, 3);
    closeWithin(log);
  }

  // ---- helpers

  private static byte[] payload(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Object cut(Log log, String cut) {
    switch (cut) {
      case "truncateAfter" -> log.truncateAfter(1);
      case "reset" -> log.reset(100);
      case "clear" -> log.clear();
      default -> throw new IllegalArgumentException(cut);
    }
    return null;
  }

  /** What a call made under the append lock returned or threw, and the durable index after it. */
  record Outcome(Object value, Throwable failure, long durableAfter) {
    public Object value() {
      if (failure != null) {
        throw new AssertionError("the call under the append lock failed", failure);
      }
      return value;
    }
  }

  private static Outcome run(Log log, Callable<?> call) {
    try {
      Object v = call.call();
      return new Outcome(v, null, log.durableIndex());
    } catch (Throwable t) {
      return new Outcome(null, t, log.durableIndex());
    }
  }

  private static Outcome within(CompletableFuture<Outcome> outcome, String what) throws Exception {
    try {
      return outcome.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          what
              + " did not return within "
              + WAIT_SECONDS
              + " s: deadlocked, waiting for a thread that waits for the append lock the caller"
              + " holds");
    }
  }

  private static void assertRefused(Outcome o) {
    assertThat(o.failure())
        .as("a suffix cut under the append lock")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("append lock");
  }

  /** Records 1 .. last are there and readable, and one more append works. */
  private static void assertWhole(Log log, long last) {
    assertThat(log.firstIndex()).isEqualTo(1);
    assertThat(log.lastIndex()).isEqualTo(last);
    for (long i = 1; i <= last; i++) {
      assertThat(log.read(i).index()).isEqualTo(i);
    }
    assertThat(log.append(payload("after"))).isEqualTo(last + 1);
  }

  /**
   * An appendStream source (read under the append lock) that, on its first read, waits for {@code
   * proceed}, runs {@code call}, records the outcome and ends the stream (an empty record).
   */
  private static final class Source extends InputStream {
    final CountDownLatch inSource = new CountDownLatch(1);
    final CountDownLatch proceed = new CountDownLatch(1);
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final Log log;
    private final Callable<?> call;

    Source(Log log, Callable<?> call) {
      this.log = log;
      this.call = call;
    }

    @Override
    public int read() {
      if (inSource.getCount() > 0) {
        inSource.countDown();
        awaitQuietly(proceed);
        outcome.complete(run(log, call));
      }
      return -1;
    }
  }

  /**
   * Keeps the indices it applied; runs a call, once, from {@code apply} of the record whose payload
   * is the trigger, or from the next {@code checkpoint}, after {@code proceed}.
   */
  private static final class CallbackStateMachine implements StateMachine {
    final List<Long> applied = new ArrayList<>(); // under the append lock
    final CountDownLatch inCallback = new CountDownLatch(1);
    final CountDownLatch proceed = new CountDownLatch(1);
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private volatile Log log;
    private volatile String trigger;
    private volatile Callable<?> call;
    private volatile boolean inCheckpoint;
    volatile CountDownLatch after = new CountDownLatch(0); // the callback waits for it last
    private long last;

    void onApply(Log l, String payload, Callable<?> c) {
      log = l;
      call = c;
      trigger = payload;
    }

    void onCheckpoint(Log l, Callable<?> c) {
      log = l;
      call = c;
      inCheckpoint = true;
    }

    Outcome outcome(String what) throws Exception {
      return within(outcome, what);
    }

    @Override
    public void apply(Record record) {
      applied.add(record.index());
      last = record.index();
      String t = trigger;
      if (t != null && new String(record.payloadBytes(), StandardCharsets.UTF_8).equals(t)) {
        trigger = null;
        callback();
      }
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException {
      if (inCheckpoint) {
        inCheckpoint = false;
        callback();
      }
      new DataOutputStream(out).writeLong(last);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      last = new DataInputStream(in).readLong();
    }

    private void callback() {
      inCallback.countDown();
      awaitQuietly(proceed);
      outcome.complete(run(log, call));
      awaitQuietly(after);
    }
  }
}
