package io.seglog.internal.log;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The handshake between a packed single append and a tailer starting to wait (class note of {@link
 * SegmentedLog}, "Packed single appends"): a record in the open frame is not published, so a tailer
 * waiting for it must either see it pending in its readiness check or be seen by the writer, which
 * then seals the frame (publishes it) and wakes it. Neither side may miss the other: that would be
 * a lost wake-up, the tailer parked while its record sits unpublished with nobody to seal it.
 *
 * <p>The tailer side is the real {@link TailSignal#await}: a first unregistered check, then, under
 * the signal's lock, {@code waiters++} and the check again, with a readiness check that is {@code
 * SegmentedTailer.ready()} for {@code Visibility.WRITTEN} ({@code next <= publishedLastIndex() ||
 * hasPendingRecords()}). The writer side cannot be called alone (it is inside {@code
 * SegmentedLog.appendOne}), so it is modelled with the same fields and the same order of volatile
 * accesses, one line for one line:
 *
 * <ul>
 *   <li>{@code packLocked}, under the append lock: {@code count = openRecords + 1}; {@code
 *       openRecords = count} (a volatile write); {@code if (count == PACK_MAX_RECORDS ||
 *       writtenSignal.waiters() != 0) sealOpenLocked()} (a volatile read);
 *   <li>{@code sealOpenLocked}: {@code lastIndex = first + count - 1}; {@code openRecords = 0};
 *       {@code writtenSignal.published()}.
 * </ul>
 *
 * <p>The verdict. A real tailer that finds nothing parks, still counted in {@code waiters}; this
 * one gives up at once (its deadline has passed), so that each state ends, and then leaves {@code
 * waiters}. A writer that reads no waiter may therefore have looked after the tailer left, which is
 * fine. To tell the two apart, the tailer's registered check, when it finds nothing, writes {@code
 * tailerChecked} (before it leaves {@code waiters}), and the writer reads it after the waiters. A
 * writer that read no waiter and no {@code tailerChecked} read the waiters before the tailer
 * registered (volatile accesses are totally ordered): its {@code openRecords} write came before the
 * tailer's registration too, so the tailer's check must have seen the record. Outcome {@code "2, 0,
 * 0"} (the tailer would park, the writer did not see it and seals nothing) is the lost wake-up.
 *
 * <p>Results: r1 is the tailer's ({@code 0} saw the record before registering, {@code 1} saw it in
 * the registered check, {@code 2} found nothing and would park); r2 whether the writer saw a waiter
 * (and sealed); r3 whether the writer saw {@code tailerChecked}.
 */
@JCStressTest
@Outcome(
    id = "0, 0, 0",
    expect = Expect.ACCEPTABLE,
    desc = "the tailer saw the open record before registering")
@Outcome(
    id = {"1, 0, 0", "1, 1, 0"},
    expect = Expect.ACCEPTABLE,
    desc = "the registered tailer saw the record, open or sealed")
@Outcome(
    id = {"2, 1, 0", "2, 1, 1"},
    expect = Expect.ACCEPTABLE_INTERESTING,
    desc = "the tailer would park; the writer saw it waiting, seals and wakes it")
@Outcome(
    id = "2, 0, 1",
    expect = Expect.ACCEPTABLE,
    desc = "the writer looked after this tailer gave up (a real one stays registered, parked)")
@Outcome(
    id = "2, 0, 0",
    expect = Expect.FORBIDDEN,
    desc = "lost wake-up: the tailer parks, the record stays open, nobody seals it")
@Outcome(expect = Expect.FORBIDDEN, desc = "impossible")
@State
public class PackedAppendHandshakeTest {
  private static final long NEXT = 1; // the tailer's position: the record appended here

  // SegmentedLog's fields of the same names.
  private final ReentrantLock appendLock = new ReentrantLock();
  private final TailSignal writtenSignal = new TailSignal();
  private volatile long lastIndex; // 0: nothing published
  private volatile int openRecords; // written under appendLock

  // The tailer's.
  private final long deadline = System.nanoTime(); // passed by the time the tailer runs
  private final BooleanSupplier ready = this::ready;
  private int readyChecks; // the tailer thread's only
  private volatile boolean tailerChecked;

  @Actor
  public void writer(III_Result r) {
    appendLock.lock();
    try {
      // packLocked, once the record is encoded past the buffer's used bytes:
      int count = openRecords + 1;
      openRecords = count;
      int waiting = writtenSignal.waiters();
      r.r3 = tailerChecked ? 1 : 0; // for the verdict only
      if (count == SegmentedLog.PACK_MAX_RECORDS || waiting != 0) {
        sealOpenLocked();
      }
      r.r2 = waiting != 0 ? 1 : 0;
    } finally {
      appendLock.unlock();
    }
  }

  /** {@code SegmentedLog.sealOpenLocked}'s publication. */
  private void sealOpenLocked() {
    int count = openRecords;
    if (count == 0) {
      return;
    }
    long first = lastIndex + 1;
    lastIndex = first + count - 1; // publish to readers, then say nothing waits
    openRecords = 0;
    writtenSignal.published();
  }

  @Actor
  public void tailer(III_Result r) {
    try {
      if (writtenSignal.await(ready, deadline)) {
        r.r1 = readyChecks == 1 ? 0 : 1;
      } else {
        r.r1 = 2;
      }
    } catch (InterruptedException e) {
      r.r1 = -1; // never interrupted
    }
  }

  /** {@code SegmentedTailer.ready()} for {@code Visibility.WRITTEN}. */
  private boolean ready() {
    boolean ready = NEXT <= lastIndex || openRecords != 0;
    if (readyChecks++ > 0 && !ready) {
      tailerChecked = true; // the registered check found nothing: a real tailer parks now
    }
    return ready;
  }
}
