package io.seglog.internal.segment;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ForwardingFileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The real file system, seen from the log's background digester: counts the bytes its thread
 * ({@code seglog-digest-*}) reads, and can make those reads fail or hold them at a gate. Reads on
 * every other thread (the writer's read-back at a seal included) pass untouched. Thread-safe.
 */
final class DigesterProbeFileIO extends ForwardingFileIO {
  private static final long GATE_SECONDS = 60; // a forgotten gate must not hang the build

  private final AtomicLong digesterBytes = new AtomicLong();
  private final AtomicLong digesterReadEnd = new AtomicLong(); // furthest end of a digester read
  private final AtomicInteger injected = new AtomicInteger();
  private final AtomicInteger closes = new AtomicInteger();
  private volatile boolean failDigesterReads;
  private volatile boolean failOtherWrites;
  private volatile CountDownLatch gate; // non-null: digester reads wait here
  private volatile CountDownLatch entered = new CountDownLatch(1);

  DigesterProbeFileIO() {
    super(NioFileIO.INSTANCE);
  }

  static boolean onDigester() {
    return Thread.currentThread().getName().startsWith("seglog-digest-");
  }

  /** From now on every digester read throws. */
  void failDigesterReads() {
    failDigesterReads = true;
  }

  /**
   * From now on every digester read waits until {@link #openGate()}; returns a latch told of the
   * first.
   */
  CountDownLatch closeGate() {
    entered = new CountDownLatch(1);
    gate = new CountDownLatch(1);
    return entered;
  }

  /** From now on every write of any other thread (the log's writer) throws. */
  void failOtherWrites() {
    failOtherWrites = true;
  }

  void openGate() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  long digesterBytes() {
    return digesterBytes.get();
  }

  int injectedFailures() {
    return injected.get();
  }

  int closes() {
    return closes.get();
  }

  /** Waits (bounded) until digester reads have reached {@code end}; returns whether they did. */
  boolean awaitDigesterReadEnd(long end) throws InterruptedException {
    return awaitAtLeast(digesterReadEnd::get, end);
  }

  /**
   * Waits (bounded) until digester reads have counted at least {@code bytes} in all; returns
   * whether they did. Unlike {@link #awaitDigesterReadEnd}, which any file's reads move (the
   * furthest end of any digester read), this waits for reads made after the caller took its
   * baseline.
   */
  boolean awaitDigesterBytes(long bytes) throws InterruptedException {
    return awaitAtLeast(digesterBytes::get, bytes);
  }

  /** Waits (bounded) until a digester read failed by injection; returns whether one did. */
  boolean awaitInjectedFailure() throws InterruptedException {
    return awaitAtLeast(injected::get, 1);
  }

  /** Polls {@code value} until it reaches {@code target}, for at most 60 s; whether it did. */
  private static boolean awaitAtLeast(LongSupplier value, long target) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (value.getAsLong() < target) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  @Override
  protected FileHandle wrap(Path file, FileHandle handle) {
    return new ForwardingHandle(handle) {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        if (!onDigester()) {
          return super.read(dst, position);
        }
        CountDownLatch g = gate;
        if (g != null) {
          entered.countDown();
          try {
            g.await(GATE_SECONDS, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted at the probe's gate", e);
          }
        }
        if (failDigesterReads) {
          injected.incrementAndGet();
          throw new IOException("injected digester read failure");
        }
        int n = super.read(dst, position);
        if (n > 0) {
          digesterBytes.addAndGet(n);
          digesterReadEnd.accumulateAndGet(position + n, Math::max);
        }
        return n;
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        if (failOtherWrites && !onDigester()) {
          throw new IOException("injected write failure");
        }
        return super.write(src, position);
      }

      @Override
      public void close() throws IOException {
        closes.incrementAndGet();
        super.close();
      }
    };
  }
}
