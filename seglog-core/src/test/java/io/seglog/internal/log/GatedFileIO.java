package io.seglog.internal.log;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file system, except that data fsyncs can be held at a gate (to make concurrent appenders
 * pile up deterministically) or made to fail. Thread-safe.
 */
final class GatedFileIO implements FileIO {
  private final FileIO delegate = NioFileIO.INSTANCE;
  private final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
  private final AtomicInteger forces = new AtomicInteger();
  private volatile CountDownLatch entered = new CountDownLatch(0);
  private volatile boolean failForces;
  private volatile boolean stepping; // each permit lets exactly one fsync through
  private final Semaphore arrivals = new Semaphore(0);

  /**
   * From now on every fsync waits at the gate until {@link #open()}. Returns a latch released when
   * the first fsync reaches the gate.
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

  int forces() {
    return forces.get();
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    FileHandle h = delegate.open(file, mode);
    return new FileHandle() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return h.read(dst, position);
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return h.write(src, position);
      }

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
        h.force();
      }

      @Override
      public void truncate(long size) throws IOException {
        h.truncate(size);
      }

      @Override
      public long size() throws IOException {
        return h.size();
      }

      @Override
      public void close() throws IOException {
        h.close();
      }
    };
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    return delegate.list(directory);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    delegate.rename(source, target);
  }

  @Override
  public void delete(Path file) throws IOException {
    delegate.delete(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    delegate.createDirectories(directory);
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    delegate.forceDirectory(directory);
  }

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    return delegate.tryLock(lockFile);
  }
}
