package io.seglog.internal.log;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file system, except that data fsyncs can be held at a gate (to make concurrent appenders
 * pile up deterministically), let through one at a time, or made to fail; writes to segment files
 * are counted and can be made to fail. Thread-safe.
 *
 * <p>Every wait here is bounded: a test whose assertion fails with the gate closed would otherwise
 * leave close's fsync (and the test with it) waiting forever, which no {@code @Timeout} interrupt
 * ends.
 */
final class GatedFileIO extends ForwardingFileIO {
  /** How long a test waits for an fsync to reach the gate. */
  private static final long ARRIVAL_SECONDS = 60;

  /** How long an fsync waits at a closed gate before it fails: far beyond any test's own waits. */
  private static final long GATE_SECONDS = 120;

  private final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
  private final Semaphore arrivals = new Semaphore(0);
  private final AtomicInteger forces = new AtomicInteger();
  private final AtomicInteger segmentWrites = new AtomicInteger();
  private volatile boolean failWrites;
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

  /**
   * Waits until one more fsync has reached the gate (counting from the first call); fails the test
   * if none does within {@link #ARRIVAL_SECONDS}.
   */
  void awaitArrival() throws InterruptedException {
    if (!arrivals.tryAcquire(ARRIVAL_SECONDS, TimeUnit.SECONDS)) {
      throw new AssertionError("no fsync reached the gate within " + ARRIVAL_SECONDS + " s");
    }
  }

  /** Forgets the fsyncs that have reached the gate so far: the next arrival counts from now. */
  void forgetArrivals() {
    arrivals.drainPermits();
  }

  /** From now on every fsync throws (after passing the gate). */
  void failForces() {
    failForces = true;
  }

  /** From now on every write to a segment file throws. */
  void failSegmentWrites() {
    failWrites = true;
  }

  /** Writes to segment files (system calls, not frames) that reached the file. */
  int segmentWrites() {
    return segmentWrites.get();
  }

  /** Data fsyncs that passed the gate and reached the disk. */
  int forces() {
    return forces.get();
  }

  @Override
  protected FileHandle wrap(Path file, FileHandle handle) {
    // A segment may be opened under its temporary name (created, then renamed into place).
    boolean segment = file.getFileName().toString().contains(FileNames.SEGMENT_SUFFIX);
    return new ForwardingHandle(handle) {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        if (!segment) {
          return super.write(src, position);
        }
        if (failWrites) {
          throw new IOException("injected write failure (EIO)");
        }
        segmentWrites.incrementAndGet();
        return super.write(src, position);
      }

      @Override
      public void force() throws IOException {
        entered.countDown();
        arrivals.release();
        passGate();
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

  /**
   * Waits for a permit like {@link Semaphore#acquireUninterruptibly()} (an interrupt, say from a
   * pool's shutdownNow, does not let an fsync through early; the interrupt status is restored), but
   * for at most {@link #GATE_SECONDS}: then the fsync fails, which fences the log instead of
   * hanging whoever waits for it.
   */
  private void passGate() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GATE_SECONDS);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (gate.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            return;
          }
          throw new IOException(
              "fsync held at the closed gate for " + GATE_SECONDS + " s: the test never opened it");
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
