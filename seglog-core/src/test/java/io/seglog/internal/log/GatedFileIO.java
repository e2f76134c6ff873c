package io.seglog.internal.log;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file system, except that data fsyncs can be held at a gate (to make concurrent appenders
 * pile up deterministically), let through one at a time, or made to fail. Thread-safe.
 */
final class GatedFileIO extends ForwardingFileIO {
  private final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
  private final Semaphore arrivals = new Semaphore(0);
  private final AtomicInteger forces = new AtomicInteger();
  private volatile CountDownLatch entered = new CountDownLatch(0);
  private volatile boolean failForces;
  private volatile boolean stepping; // each permit lets exactly one fsync through

  GatedFileIO() {
    super(NioFileIO.INSTANCE);
  }

  /**
   * From now on every fsync waits at the gate until {@link #open()} or {@link #step()}. Returns a
   * latch released when the first fsync reaches the gate.
   */
  CountDownLatch close() {
    gate.drainPermits();
    entered = new CountDownLatch(1);
    return entered;
  }

  /** Lets every waiting and later fsync through. */
  void open() {
    stepping = false;
    gate.release(Integer.MAX_VALUE / 2);
  }

  /** With the gate closed: lets exactly one fsync through (waiting or next); the rest wait. */
  void step() {
    stepping = true;
    gate.release();
  }

  /** Waits until one more fsync has reached the gate (counting from the first call). */
  void awaitArrival() throws InterruptedException {
    arrivals.acquire();
  }

  /** From now on every fsync throws (after passing the gate). */
  void failForces() {
    failForces = true;
  }

  /** Data fsyncs that passed the gate and reached the disk. */
  int forces() {
    return forces.get();
  }

  @Override
  protected FileHandle wrap(Path file, FileHandle handle) {
    return new ForwardingHandle(handle) {
      @Override
      public void force() throws IOException {
        entered.countDown();
        arrivals.release();
        gate.acquireUninterruptibly();
        if (!stepping) {
          gate.release(); // an open gate stays open
        }
        if (failForces) {
          throw new IOException("injected fsync failure (EIO)");
        }
        forces.incrementAndGet();
        super.force();
      }
    };
  }
}
