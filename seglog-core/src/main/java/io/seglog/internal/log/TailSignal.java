package io.seglog.internal.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Wakes tailers waiting for an index (the written or the durable one) to advance, at no cost to the
 * writer while nobody waits.
 *
 * <p>Design note. The publisher stores the new index, or the new cut epoch of a suffix cut (a
 * volatile write), and then calls {@link #published()}, which reads {@code waiters} (volatile) and
 * takes the lock to signal only when it is non-zero. A waiter increments {@code waiters} under the
 * lock and then checks its condition (which reads the published index) before it parks. Volatile
 * accesses are totally ordered, so either the waiter sees the new index or the publisher sees the
 * waiter, and a publisher that sees it signals under the lock, which the waiter holds from its
 * check until it parks: no lost wake-up (the jcstress test {@code TailSignalWakeup} checks this).
 * No lock is taken on the writer's path while no tailer waits.
 *
 * <p>Thread-safe.
 */
final class TailSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition advanced = lock.newCondition();
  private volatile int waiters; // written under lock, read by publishers without it
  private volatile boolean closed;

  /** Call after publishing a new index: wakes waiters, if any. */
  void published() {
    if (waiters != 0) {
      wakeAll();
    }
  }

  /** Wakes every waiter so each rechecks its condition (a tailer closed, say). */
  void wakeAll() {
    lock.lock();
    try {
      advanced.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every waiter for good: {@link #await} returns at once from now on. */
  void close() {
    closed = true;
    wakeAll();
  }

  boolean isClosed() {
    return closed;
  }

  /** Threads waiting now (for tests and metrics). */
  int waiters() {
    return waiters;
  }

  /**
   * Waits until {@code ready} holds, the signal is closed or {@code deadlineNanos} ({@link
   * System#nanoTime()}) passes. Returns whether {@code ready} held.
   */
  boolean await(BooleanSupplier ready, long deadlineNanos) throws InterruptedException {
    if (ready.getAsBoolean()) {
      return true;
    }
    lock.lockInterruptibly();
    try {
      waiters++;
      try {
        while (true) {
          if (ready.getAsBoolean()) {
            return true;
          }
          long left = deadlineNanos - System.nanoTime();
          if (closed || left <= 0) {
            return false;
          }
          advanced.await(left, TimeUnit.NANOSECONDS);
        }
      } finally {
        waiters--;
      }
    } finally {
      lock.unlock();
    }
  }
}
