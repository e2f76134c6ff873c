package io.seglog.internal.log;

import io.seglog.LogClosedException;
import io.seglog.LogFencedException;
import io.seglog.LogMetrics;
import io.seglog.SeglogException;
import io.seglog.internal.segment.Segment;
import io.seglog.internal.segment.SegmentRetiredException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes written records durable: group commit for waiting appenders, a flush worker for
 * asynchronous appends, and the fsync counters.
 *
 * <p>Design note. {@link #syncTo} is leader/follower, in the caller's thread. The first appender
 * that finds no fsync in progress becomes the leader: it marks one in progress, snapshots what has
 * been written (under the log's append lock), fsyncs it without holding any lock, publishes the new
 * durable index and wakes every waiter. Appenders that wrote meanwhile wait on {@code fsyncDone}
 * while an fsync is in progress, each parked on its own (not queued on a lock, where the leader
 * could barge back in first and followers would leave one per fsync). When the fsync ends, the
 * leader wakes exactly the waiters it made durable, which return without touching the lock, plus
 * the oldest of the rest, which leads the next fsync and so covers every waiter that wrote before
 * it started; the others sleep on (waking every waiter cost a round's worth of context switches on
 * two cores). After a failure, or when close ends its exclusive fsync, every waiter is woken. A
 * lone writer finds no fsync in progress and pays exactly one: nobody waits for company.
 *
 * <p>Gathering. Waking only the covered waiters splits many writers into two cohorts: when fsync N
 * ends, the next leader starts fsync N+1 at once, covering the cohort that wrote during fsync N but
 * not the cohort just woken, which is still being scheduled; each fsync covers about half the
 * writers. So a round that woke {@code k >= 2} covered waiters (concurrency observed, not guessed)
 * makes the next leader, before its snapshot, wait until about {@code k} appends have been written
 * since the round ended (the log's last index has advanced by {@code k}), or until half the recent
 * mean fsync time has passed, never more than {@link #MAX_GATHER_NANOS}. The leader holds no lock
 * meanwhile (it yields the CPU to the woken cohort) and has only marked an fsync in progress, so
 * writers arriving queue behind it as usual; it stops gathering at once when the log is fenced or
 * something waits in {@link #beginExclusive} (close, a suffix cut). A round that woke fewer than
 * two (a lone writer, two alternating writers) leaves nothing to gather: the lone writer pays
 * nothing extra. The gathering only delays a snapshot; what is fsynced, fenced and acknowledged is
 * unchanged. Asynchronous appends are queued to one flush worker thread, which drains the queue,
 * calls {@link #syncTo} for the highest index in it, and completes the futures; it is started on
 * first use. The futures' callbacks run on it, so a callback that waits for a queued future helps
 * instead (see {@link Helping}).
 *
 * <p>Spinning (opt-in, {@code LogConfig.syncWaitSpin}). With many writers on few cores, the round
 * is bound by the CPU, not the disk, and about half of that CPU is parking and waking: on two
 * cores, 64 writers spent a quarter of all CPU in the leader's {@code unpark} calls and a fifth in
 * {@code park}. A waiter may instead yield the CPU in a loop until its flag is set, for a bounded
 * time, then park as before; the leader's {@code unpark} of a running thread is cheap. While the
 * mean fsync is longer than the bound, waiters park at once (the spin would run out anyway).
 * Nothing else changes: the same waiters are woken, by the same flag.
 *
 * <p>Never from under the append lock. The leader snapshots under the log's append lock, so a
 * thread that holds it must not wait for a leader: not in {@link #syncTo} (as a follower it would
 * wait for a leader waiting for its lock), nor in {@link #beginExclusive} or {@link #stop}. They
 * refuse such a caller ({@link IllegalStateException}; see {@link Writer#appendsBlockedByCaller}).
 * The log instead fsyncs itself under the lock when a thread holding it needs records durable (a
 * seal, a prefix removal, a checkpoint, and a {@code sync()} or an {@code ALWAYS} append from user
 * code the log runs under the lock), through {@link #forceAndRecord}, then {@link #wakeDurable}
 * wakes the waiters that fsync covered at once, instead of leaving them to the leader waiting for
 * the lock.
 *
 * <p>Failure: a failed fsync fences the log (through {@link Writer#fence}), fails every queued
 * future, and is never retried. Once the log is fenced the durable index never moves again: Linux
 * reports a write-back error to one fsync only, so an fsync that succeeds after (or beside) a
 * failed one proves nothing. Hence every data fsync, the leader's and those the log runs under its
 * append lock (sealing a segment, {@link SegmentedLog#forceActiveLocked}), goes through {@link
 * #forceAndRecord}, which holds {@code fsyncLock} across the fsync and the handling of its result
 * (fence or advance): a failure is always fenced before another fsync can start, and each fsync
 * checks for the fence first. The leader/follower protocol already lets one leader fsync at a time,
 * so the lock is uncontended for a lone writer and group commit is unchanged; only an fsync under
 * the append lock may wait on it, for the fsync in progress, which never waits for the append lock
 * once it holds {@code fsyncLock}.
 *
 * <p>Thread-safe.
 */
final class SyncCoordinator {

  /** The longest a leader gathers appends before its snapshot (see the design note). */
  static final long MAX_GATHER_NANOS = 500_000;

  /** What has been written, taken atomically with respect to appends and rolls. */
  record Written(Segment segment, long lastIndex, long bytes) {}

  /** The log, as the coordinator sees it. */
  interface Writer {
    /** Snapshot under the append lock. */
    Written written();

    /** Fences the log and returns the exception to throw. */
    LogFencedException fence(String what, IOException cause);

    /** Throws if the log is fenced. */
    void checkNotFenced();

    /** Called after the durable index advanced (wakes durable-only tailers). */
    default void durableAdvanced() {}

    /** The log's first index now (for the message of records a truncation removed). */
    long firstIndex();

    /**
     * The last index written, read without a lock (for gathering, see the design note); {@link
     * Long#MAX_VALUE}, which never gathers, by default.
     */
    default long lastIndex() {
      return Long.MAX_VALUE;
    }

    /**
     * Whether the calling thread holds the log's append lock (user code the log runs under it: a
     * state machine's callback, a purge predicate, a streamed record's source), which the leader's
     * snapshot ({@link #written}) takes: such a thread must not wait for a leader (see the design
     * note).
     */
    default boolean appendsBlockedByCaller() {
      return false;
    }
  }

  /** A thread waiting in {@link #syncTo} for an fsync in progress. */
  private static final class Waiter {
    final long target;
    final Thread thread;
    volatile boolean woken;
    volatile boolean leader; // woken to lead the next fsync, not because its record is durable

    Waiter(long target, Thread thread) {
      this.target = target;
      this.thread = thread;
    }

    void wake() {
      woken = true;
      LockSupport.unpark(thread);
    }
  }

  /** A batch {@link #flush} is completing, with the outcome of its fsync (see {@link #settle}). */
  private record Settling(List<Queued> batch, Throwable failure, long durable) {}

  private final Writer writer;
  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  // Held across each data fsync and its fence-or-advance; taken after the log's append lock, never
  // before it (a seal holds the append lock); the leader takes it after its snapshot.
  private final ReentrantLock fsyncLock = new ReentrantLock();
  // The log is fenced: the durable index never advances again. Set under fsyncLock when an fsync
  // fails, before the lock is released; by the log (fenced()) when anything else fails.
  private volatile boolean fenced;
  private final Condition fsyncDone = lock.newCondition(); // for beginExclusive only
  private boolean fsyncInProgress; // @GuardedBy("lock"); also held by close, see exclusive()
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // @GuardedBy("lock")
  // What the last round woke (covered waiters) and the last index written when it ended: the next
  // leader gathers until the last index passes gatherFrom + gatherCount. @GuardedBy("lock")
  private long gatherCount;
  private long gatherFrom;
  // Threads in beginExclusive: a gathering leader stops at once.
  private final AtomicInteger exclusiveWanted = new AtomicInteger();
  // Mean fsync time, moving (1/8 per fsync); written under fsyncLock.
  private volatile long fsyncNanosMean;
  // For tests: when >= 0, the gathering bound instead of half the mean fsync, capped.
  private volatile long gatherBoundOverride = -1;
  private final AtomicLong gatherWaits = new AtomicLong(); // leaders that gathered
  // How long a waiter yields before it parks (LogConfig.syncWaitSpin); 0 parks at once. Set
  // once, but tests may change it (spinBoundForTest).
  private volatile long spinNanos;
  private final LongAdder waits = new LongAdder(); // threads that waited in syncTo (metrics)
  private final LongAdder spinsWoken = new LongAdder(); // of those, woken while spinning (metrics)
  private final LongAdder spinsParked = new LongAdder(); // for tests, see spinOutcomes
  private final AtomicLong durableIndex;
  private final BlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
  private final Queued stopMarker =
      new Queued(-1, -1); // ends the flush worker's loop; never completed
  private volatile Thread flushWorker; // written under this monitor, once started
  // Makes the flush worker's thread in tests (workerThreadsForTest); null: a plain thread.
  private volatile ThreadFactory workerThreads;
  // The batches flush is completing, innermost last: a completion callback runs inside, and may
  // wait for a future later in one of them (see helpOnFlushWorker). Confined to the flush worker.
  private final ArrayDeque<Settling> settling = new ArrayDeque<>();

  // counters, @GuardedBy("this")
  private long fsyncs;
  private long fsyncNanosTotal;
  private long fsyncNanosMax;
  private long recordsSynced;
  private long bytesSynced;
  private long durableBytes;

  SyncCoordinator(Writer writer, String name, long durableIndex, long durableBytes) {
    this(writer, name, durableIndex, durableBytes, 0);
  }

  /** As above; waiters yield for up to {@code spinNanos} before parking (see spinUntilWoken). */
  SyncCoordinator(
      Writer writer, String name, long durableIndex, long durableBytes, long spinNanos) {
    this.writer = writer;
    this.spinNanos = spinNanos;
    this.name = name;
    this.durableIndex = new AtomicLong(durableIndex);
    this.durableBytes = durableBytes;
  }

  private volatile java.util.function.LongConsumer durabilityListener;

  /** Called with the new durable index after each fsync that advanced it (issue 6). */
  void durabilityListener(java.util.function.LongConsumer listener) {
    durabilityListener = listener;
  }

  long durableIndex() {
    return durableIndex.get();
  }

  /** The bytes written (as the log counts them since open) that the last fsyncs covered. */
  synchronized long durableBytes() {
    return durableBytes;
  }

  /**
   * Returns once every index up to {@code target} is durable, fsyncing if nobody else is.
   *
   * @throws LogFencedException if the log is fenced or the fsync fails
   * @throws IllegalStateException if the calling thread holds the log's append lock (see the design
   *     note): the log fsyncs under the lock itself there
   */
  long syncTo(long target) {
    checkNotUnderAppendLock("syncTo");
    boolean interrupted = false;
    boolean mustHandOff = false; // woken to lead the next fsync, and not done so yet
    long gatherUntil = Long.MIN_VALUE;
    try {
      while (true) {
        long durable = durableIndex.get();
        if (durable >= target) {
          if (mustHandOff) {
            // Something else (a seal, close) made our record durable meanwhile: the waiters we
            // were to lead for still need a leader.
            handOff();
          }
          return durable;
        }
        Waiter me = null;
        lock.lock();
        try {
          if (durableIndex.get() >= target) {
            continue;
          }
          if (fsyncInProgress) {
            if (fenced) {
              // The fsync in progress wakes the others; a waiter would only wake to throw.
              writer.checkNotFenced();
            }
            me = new Waiter(target, Thread.currentThread());
            waiters.add(me);
            waits.increment();
          } else {
            fsyncInProgress = true;
            boolean observed = gatherCount >= 2 && gatherFrom != Long.MAX_VALUE;
            gatherUntil = observed ? gatherFrom + gatherCount : Long.MIN_VALUE;
            gatherCount = 0; // one leader gathers per round observed
          }
        } finally {
          lock.unlock();
        }
        mustHandOff = false; // leading, or back in the queue of the fsync in progress
        if (me == null) {
          if (leadOneFsync(gatherUntil) < target) {
            // A truncation removed the target: the caller finds it above the durable index.
            return durableIndex.get();
          }
        } else {
          spinUntilWoken(me);
          // Durability is not abandoned on interrupt: park again, restore the flag on return.
          while (!me.woken) {
            LockSupport.park(this);
            interrupted |= Thread.interrupted();
          }
          mustHandOff = me.leader;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Yields the CPU in a loop until {@code me} is woken or {@link #spinNanos} has passed (see {@link
   * io.seglog.LogConfig#syncWaitSpin()}), unless the recent mean fsync is longer than that: a
   * waiter woken meanwhile never parks, so the fsync's leader does not have to wake it with a
   * system call (its {@code unpark} finds it running and costs no more than a lock; the permit it
   * leaves only makes the thread's next park return once, which every park allows). Yielding, not
   * spinning on the core: on two cores, sixty-four waiters would otherwise keep the leader and the
   * appenders from running.
   */
  private void spinUntilWoken(Waiter me) {
    long spin = spinNanos;
    if (spin == 0 || me.woken) {
      return;
    }
    if (fsyncNanosMean > spin) {
      spinsParked.increment(); // the spin would run out anyway (a slow disk)
      return;
    }
    long deadline = System.nanoTime() + spin;
    while (!me.woken) {
      if (System.nanoTime() - deadline >= 0) {
        spinsParked.increment();
        return;
      }
      Thread.yield();
    }
    spinsWoken.increment();
  }

  /**
   * Waiters woken while spinning, and waiters that parked after spinning out or without spinning (a
   * mean fsync longer than the spin); for tests.
   */
  long[] spinOutcomes() {
    return new long[] {spinsWoken.sum(), spinsParked.sum()};
  }

  /** For tests: waiters spin for up to {@code nanos} from now on (any bound, unlike the config). */
  void spinBoundForTest(long nanos) {
    spinNanos = nanos;
  }

  /** For tests: sets the mean fsync time (until the next fsync ends), as a disk that slow would. */
  void fsyncMeanForTest(long nanos) {
    fsyncNanosMean = nanos;
  }

  /** For tests: the flush worker's thread, when it starts, is made by {@code threads}. */
  void workerThreadsForTest(ThreadFactory threads) {
    workerThreads = threads;
  }

  /** For tests: the threads waiting for an fsync in progress. */
  int waitingForTest() {
    lock.lock();
    try {
      return waiters.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Fsyncs what has been written (the caller set {@code fsyncInProgress}), after gathering until
   * {@code gatherUntil} has been written (see the design note), then wakes waiters. Returns the
   * last index the fsync covered.
   */
  private long leadOneFsync(long gatherUntil) {
    boolean failed = true;
    long covered;
    try {
      writer.checkNotFenced();
      if (gatherUntil != Long.MIN_VALUE) {
        gather(gatherUntil);
        writer.checkNotFenced();
      }
      Written w = writer.written();
      forceAndRecord(
          "fsync of " + w.segment().path(),
          w.lastIndex(),
          w.bytes(),
          () -> {
            try {
              w.segment().force();
            } catch (SegmentRetiredException e) {
              if (!w.segment().isSealed()) {
                throw e;
              }
              // A roll since the snapshot sealed the segment, which fsynced all of it, and
              // retention (or truncateBefore) retired it at once: what this fsync was to cover is
              // durable already.
            }
            return null;
          });
      covered = w.lastIndex();
      failed = false;
    } finally {
      List<Waiter> wake;
      lock.lock();
      try {
        fsyncInProgress = false;
        wake = failed ? takeAllWaiters() : takeCoveredWaiters(true);
        long woke = 0; // covered waiters, not the next leader
        for (Waiter w : wake) {
          woke += w.leader ? 0 : 1;
        }
        gatherCount = failed ? 0 : woke;
        gatherFrom = writer.lastIndex();
        fsyncDone.signalAll(); // beginExclusive
      } finally {
        lock.unlock();
      }
      for (Waiter w : wake) {
        w.wake();
      }
    }
    return covered;
  }

  /**
   * Waits, holding no lock, until {@code until} has been written, the bound passes, the log is
   * fenced or something waits in {@link #beginExclusive} (see the design note).
   */
  private void gather(long until) {
    long override = gatherBoundOverride;
    long bound = override >= 0 ? override : Math.min(fsyncNanosMean / 2, MAX_GATHER_NANOS);
    if (bound <= 0 || writer.lastIndex() >= until) {
      return;
    }
    gatherWaits.incrementAndGet();
    long deadline = System.nanoTime() + bound;
    while (writer.lastIndex() < until
        && !fenced
        && exclusiveWanted.get() == 0
        && System.nanoTime() - deadline < 0) {
      Thread.yield(); // the cohort being gathered needs the CPU (two cores)
    }
  }

  /** Leaders that gathered (entered the wait of {@link #gather}); for tests. */
  long gatherWaits() {
    return gatherWaits.get();
  }

  /** For tests: gather for up to {@code nanos} (not half the mean fsync) from now on. */
  void gatherBoundForTest(long nanos) {
    gatherBoundOverride = nanos;
  }

  /** An fsync, with what else must happen in the same step (sealing writes a trailer first). */
  interface Fsync<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code fsync}, which makes every index up to {@code index} ({@code bytes} written)
   * durable, then records it, holding {@code fsyncLock} throughout: no other data fsync runs
   * meanwhile, and a failure fences the log before any other fsync can start (see the design note).
   * Any failure of {@code fsync}, unchecked ones too, fences the log: an fsync is never retried.
   *
   * @throws LogFencedException if the log is fenced, before or during the fsync
   */
  <T> T forceAndRecord(String what, long index, long bytes, Fsync<T> fsync) {
    fsyncLock.lock();
    try {
      writer.checkNotFenced();
      long start = System.nanoTime();
      T result;
      try {
        result = fsync.run();
      } catch (IOException | RuntimeException | Error e) {
        // An unchecked failure leaves unknown whether the data reached the disk: as a failed fsync.
        fenced = true;
        LogFencedException f =
            writer.fence(what, e instanceof IOException io ? io : new IOException(e));
        if (e instanceof Error error) {
          throw error;
        }
        throw f;
      }
      long nanos = System.nanoTime() - start;
      long mean = fsyncNanosMean;
      fsyncNanosMean = mean == 0 ? nanos : mean + (nanos - mean) / 8; // under fsyncLock
      recorded(nanos, index, bytes);
      writer.checkNotFenced(); // fenced meanwhile by something other than an fsync (a write)
      return result;
    } finally {
      fsyncLock.unlock();
    }
  }

  /**
   * Refuses a caller that holds the log's append lock: it would wait for a leader (or the flush
   * worker, or close) that waits for that lock to snapshot (see the design note).
   */
  private void checkNotUnderAppendLock(String what) {
    if (writer.appendsBlockedByCaller()) {
      throw new IllegalStateException(
          what
              + " of log "
              + name
              + " called holding its append lock: the fsync leader takes that lock to snapshot,"
              + " so this would wait forever");
    }
  }

  /**
   * Wakes the waiters whose records are durable now, after an fsync the log ran under its append
   * lock ({@link SegmentedLog#forceActiveLocked}): the fsync in progress may have a leader waiting
   * for that lock. Chooses no next leader: waiters are only ever left behind an fsync in progress
   * or a next leader already woken, which still leads for the rest.
   */
  void wakeDurable() {
    List<Waiter> wake;
    lock.lock();
    try {
      wake = takeCoveredWaiters(false);
    } finally {
      lock.unlock();
    }
    for (Waiter w : wake) {
      w.wake();
    }
  }

  /** The log was fenced: the durable index stays where it is from now on. */
  void fenced() {
    fenced = true;
  }

  /** Wakes the waiters now durable and a next leader, unless an fsync in progress will. */
  private void handOff() {
    List<Waiter> wake = List.of();
    lock.lock();
    try {
      if (!fsyncInProgress) {
        wake = takeCoveredWaiters(true);
      }
    } finally {
      lock.unlock();
    }
    for (Waiter w : wake) {
      w.wake();
    }
  }

  /**
   * The waiters the durable index now covers and, with {@code nextLeader}, the oldest of the others
   * (last), which leads the next fsync, covering every waiter that wrote before it starts. Waking
   * only these, not every waiter, keeps a round from being spent waking threads that would only
   * wait again. Without a next leader (after an fsync under the append lock) the others stay with
   * the leader they have. @GuardedBy("lock")
   */
  private List<Waiter> takeCoveredWaiters(boolean nextLeader) {
    long durable = durableIndex.get();
    List<Waiter> wake = new ArrayList<>();
    Waiter leader = null;
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.target <= durable) {
        wake.add(w);
        it.remove();
      } else if (nextLeader && leader == null) {
        leader = w;
        it.remove();
      }
    }
    if (leader != null) {
      leader.leader = true;
      wake.add(leader);
    }
    return wake;
  }

  /** Every waiter: after a failure (each finds the log fenced) or close. @GuardedBy("lock") */
  private List<Waiter> takeAllWaiters() {
    List<Waiter> wake = new ArrayList<>(waiters);
    waiters.clear();
    return wake;
  }

  /**
   * Waits for an fsync in progress, then keeps others from starting one until {@link
   * #endExclusive()}: close and the suffix cuts use it around their fsyncs. Waiters that find their
   * record durable afterwards return; the rest fail (the log is fenced) or find nothing to do.
   *
   * @throws IllegalStateException if the calling thread holds the log's append lock: the leader of
   *     the fsync in progress may be waiting for that lock to snapshot (the log refuses close and
   *     the cuts there first)
   */
  void beginExclusive() {
    checkNotUnderAppendLock("beginExclusive");
    exclusiveWanted.incrementAndGet(); // a gathering leader stops and fsyncs at once
    lock.lock();
    try {
      while (fsyncInProgress) {
        fsyncDone.awaitUninterruptibly();
      }
      fsyncInProgress = true;
      gatherCount = 0;
    } finally {
      lock.unlock();
      exclusiveWanted.decrementAndGet();
    }
  }

  /**
   * A suffix truncation, under {@link #beginExclusive()}, left the log ending at {@code lastIndex},
   * all of it fsynced: the durable index becomes {@code lastIndex} (it may go down). Callers of
   * {@link #syncTo} waiting for an index above it stop waiting once an fsync shows the log ends
   * below it (they see it still above the durable index).
   */
  void truncated(long lastIndex) {
    lock.lock();
    try {
      durableIndex.set(lastIndex);
      fsyncDone.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends {@link #beginExclusive()} and wakes every waiter. */
  void endExclusive() {
    List<Waiter> wake;
    lock.lock();
    try {
      fsyncInProgress = false;
      wake = takeAllWaiters();
      fsyncDone.signalAll();
    } finally {
      lock.unlock();
    }
    for (Waiter w : wake) {
      w.wake();
    }
  }

  /**
   * Records an fsync that covered everything up to {@code index} and {@code bytes} written (called
   * by {@link #forceAndRecord}, by close, which fsyncs with every other fsync excluded, and by a
   * read-only log following the writer's fsyncs). Once the log is fenced it only counts the fsync:
   * the durable index stays.
   */
  synchronized void recorded(long nanos, long index, long bytes) {
    fsyncs++;
    fsyncNanosTotal += nanos;
    fsyncNanosMax = Math.max(fsyncNanosMax, nanos);
    if (fenced) {
      return;
    }
    long before = durableIndex.getAndAccumulate(index, Math::max);
    java.util.function.LongConsumer listener = durabilityListener;
    if (listener != null && index > before) {
      listener.accept(index); // issue 6: in order, under this monitor; must not block
    }
    recordsSynced += Math.max(0, index - before);
    bytesSynced += Math.max(0, bytes - durableBytes);
    durableBytes = Math.max(durableBytes, bytes);
    writer.durableAdvanced();
  }

  /**
   * Queues a future to complete with {@code result} once {@code lastIndex} is durable. Call under
   * the log's append lock, so that close, which takes that lock, sees every queued future.
   */
  CompletableFuture<Long> whenDurable(long lastIndex, long result) {
    if (durableIndex.get() >= lastIndex) {
      return CompletableFuture.completedFuture(result);
    }
    Queued future = new Queued(lastIndex, result);
    startWorkerIfNeeded();
    queue.add(future);
    return future;
  }

  /**
   * The future of a queued asynchronous append ({@link Queued}) or one derived from it: {@code
   * thenApply} and the like make theirs with {@link #newIncompleteFuture}, so they stay {@link
   * Derived} from the same one. Waited for ({@code join}, {@code get}) on the flush worker, in a
   * completion callback, it first makes the queued future durable and completes it in that thread
   * ({@link #helpOnFlushWorker}): the worker that would complete it is the waiting thread. Its
   * callbacks otherwise run on the worker when it completes the future, after the callback that
   * made it has returned, so a chain of appends each made from the last one's callback does not
   * nest. Elsewhere nothing changes. Not helped: {@code isDone} and {@code getNow} polled on the
   * worker, and futures neither made by the log nor derived from one ({@code
   * CompletableFuture.allOf}, {@code anyOf}, {@code
   * minimalCompletionStage().toCompletableFuture()}, which makes a plain future).
   */
  private abstract static class Helping<T> extends CompletableFuture<T> {
    /** The queued future this one is, or is derived from. */
    abstract Queued queued();

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new Derived<>(queued());
    }

    @Override
    public T join() {
      helpIfPending();
      return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
      helpIfPending();
      return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      helpIfPending();
      return super.get(timeout, unit);
    }

    private void helpIfPending() {
      if (!isDone()) {
        Queued q = queued();
        q.owner().helpOnFlushWorker(q, this);
      }
    }
  }

  /** A queued asynchronous append's future (see {@link Helping}). */
  private final class Queued extends Helping<Long> {
    final long lastIndex;
    final long result;

    Queued(long lastIndex, long result) {
      this.lastIndex = lastIndex;
      this.result = result;
    }

    @Override
    Queued queued() {
      return this;
    }

    SyncCoordinator owner() {
      return SyncCoordinator.this;
    }
  }

  /** A future derived from a {@link Queued} one (see {@link Helping}). */
  private static final class Derived<T> extends Helping<T> {
    private final Queued queued;

    Derived(Queued queued) {
      this.queued = queued;
    }

    @Override
    Queued queued() {
      return queued;
    }
  }

  /**
   * On the flush worker (a completion callback about to wait for {@code waiting}), makes {@code q}
   * durable in that thread, as {@link #flush} would, and completes it; then, while {@code waiting}
   * is not done (combined by {@code thenCombine} or {@code thenCompose} with another append),
   * completes what the batches being completed around the callback still hold, as the worker would
   * next (already durable, or failed), and flushes what is queued in that thread too, as {@link
   * #stop} does there. Does nothing on any other thread, nor on one holding the log's append lock,
   * which must not wait for a leader (see the design note). The worker's own completion of a future
   * already completed here does nothing.
   */
  private void helpOnFlushWorker(Queued q, CompletableFuture<?> waiting) {
    if (!onFlushWorker() || writer.appendsBlockedByCaller()) {
      return;
    }
    if (!q.isDone()) {
      flush(List.of(q));
    }
    if (!waiting.isDone()) {
      // Taken by the worker (or an outer help) before this callback ran, so no longer queued: the
      // other append of a thenCombine may be there. A copy: settling runs callbacks, which may
      // help in turn.
      for (Settling s : new ArrayList<>(settling)) {
        for (Queued p : s.batch()) {
          if (p != stopMarker && !p.isDone()) {
            settle(p, s.failure(), s.durable());
          }
        }
      }
    }
    List<Queued> batch = new ArrayList<>();
    while (!waiting.isDone() && queue.drainTo(batch) > 0) {
      if (flush(batch)) {
        // Close is stopping the worker: nothing is queued after the stop marker, which the loop
        // takes once the callback returns.
        queue.add(stopMarker);
        return;
      }
      batch.clear();
    }
  }

  private synchronized void startWorkerIfNeeded() {
    if (flushWorker == null) {
      ThreadFactory threads = workerThreads;
      Thread worker =
          threads == null
              ? new Thread(this::flushLoop, "seglog-flush " + name)
              : threads.newThread(this::flushLoop);
      worker.setDaemon(true);
      // Published only once started: a start that fails (a thread limit) throws out of the append
      // before its future is queued, and the next asynchronous append tries again; a worker
      // published unstarted would leave every later future queued, unflushed, until close.
      worker.start();
      flushWorker = worker;
    }
  }

  private void flushLoop() {
    List<Queued> batch = new ArrayList<>();
    boolean stopped = false;
    while (!stopped) {
      // Cleared before each batch, so that no fsync of the worker's runs with the flag set (an
      // interruptible FileChannel would close itself).
      Thread.interrupted();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        // The worker is the log's, not the caller's: an interrupt (a future's callback runs here
        // and may interrupt its thread) must not stop it, or every later asynchronous append would
        // hang until close. Only the stop marker ends the loop.
        continue;
      }
      queue.drainTo(batch);
      stopped = flush(batch);
      batch.clear();
    }
  }

  /**
   * Makes {@code batch} durable with one {@link #syncTo} and completes its futures; returns whether
   * it held the stop marker. Never throws: a future left uncompleted would hang its caller.
   */
  private boolean flush(List<Queued> batch) {
    boolean stopped = false;
    long target = -1;
    for (Queued p : batch) {
      if (p == stopMarker) {
        stopped = true;
      } else {
        target = Math.max(target, p.lastIndex);
      }
    }
    Throwable failure = null;
    try {
      if (target >= 0) {
        syncTo(target);
      }
    } catch (SeglogException e) {
      failure = e;
    } catch (RuntimeException | Error e) {
      // Not an I/O failure the log knows about: whether the batch is durable is unknown, so the
      // log is fenced as for a failed fsync, and the worker lives on to fail what comes next.
      fenced = true;
      failure = writer.fence("flushing asynchronous appends", new IOException(e));
    }
    long durable = durableIndex.get();
    settling.addLast(new Settling(batch, failure, durable));
    try {
      for (Queued p : batch) {
        if (p != stopMarker) {
          settle(p, failure, durable);
        }
      }
    } finally {
      settling.removeLast();
    }
    return stopped;
  }

  /** Completes {@code p} after an fsync that failed, or left {@code durable} durable. */
  private void settle(Queued p, Throwable failure, long durable) {
    if (failure == null && p.lastIndex > durable) {
      p.completeExceptionally(
          new io.seglog.RecordsGoneException(p.lastIndex, writer.firstIndex(), durable));
    } else if (failure == null) {
      p.complete(p.result);
    } else {
      p.completeExceptionally(failure);
    }
  }

  /**
   * Stops the flush worker after it has made every queued append durable (or failed it), and fails
   * anything still queued. Call after no more appends can be queued, and never holding the log's
   * append lock (refused, {@link IllegalStateException}): the worker's fsync takes it to snapshot
   * what was written (the log refuses a close there first).
   *
   * <p>Called on the flush worker itself (close from a future's callback, which runs on the
   * completing thread), it cannot wait for the worker: it flushes what is queued in the caller's
   * thread instead, and the worker stops once the callback returns.
   */
  void stop() {
    checkNotUnderAppendLock("stopping the flush worker");
    Thread worker = flushWorker;
    if (worker == Thread.currentThread()) {
      List<Queued> batch = new ArrayList<>();
      queue.drainTo(batch);
      flush(batch);
      queue.add(stopMarker);
      return;
    }
    if (worker != null) {
      queue.add(stopMarker);
      boolean interrupted = false;
      while (worker.isAlive()) {
        try {
          worker.join();
        } catch (InterruptedException e) {
          interrupted = true; // finish stopping: futures must not be left hanging
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Queued p;
    while ((p = queue.poll()) != null) {
      if (p != stopMarker) {
        p.completeExceptionally(new LogClosedException("log " + name + " closed"));
      }
    }
  }

  /**
   * Whether the calling thread is the flush worker (completing an asynchronous append's future, it
   * runs the future's callbacks), which {@link #stop} waits for.
   */
  boolean onFlushWorker() {
    return flushWorker == Thread.currentThread();
  }

  synchronized LogMetrics metrics() {
    return new LogMetrics(
        fsyncs,
        fsyncNanosTotal,
        fsyncNanosMax,
        recordsSynced,
        bytesSynced,
        queue.size(),
        waits.sum(),
        spinsWoken.sum());
  }
}
